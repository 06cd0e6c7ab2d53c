"""Every word a person reads, in their language: the languages the bot speaks, their catalogues of
short strings, and the Babel formats for times, dates and durations."""

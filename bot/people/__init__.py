"""People and places: who the schedule's speakers and moderators are on the chat platform, where its
channels are, and what people are called."""

"""The agenda: schedule files (YAML, iCalendar) read into plain dataclasses, validated."""

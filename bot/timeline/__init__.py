"""The timeline: every cue of a webinar from its agenda and the live adjustments (pure)."""

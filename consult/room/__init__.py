"""The room: the facilitator's console, the projector, live status."""

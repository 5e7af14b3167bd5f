"""Participants: joining, the profile, badges and posters."""

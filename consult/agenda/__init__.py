"""Agenda: sections, items and the rounds a facilitator opens and closes."""

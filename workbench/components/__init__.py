"""Reusable UI pieces: the page shell, status badges, charts, and number/date formatting for es-CL."""

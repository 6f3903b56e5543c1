"""Limits on what people type, the same for the pages and the API."""

# Free text: a reason, a note, an observation, directions. Long enough for a careful account.
TEXT_MAX = 5000
# A short line: a name, a site, a search.
SHORT_TEXT_MAX = 200

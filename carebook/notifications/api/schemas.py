"""The notifications' JSON shapes (what goes out: nothing comes in but the id in the path)."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field

from carebook.notifications.vocab import EmailStatus


class NotificationOut(BaseModel):
    id: uuid.UUID
    key: str = Field(description="What it is about, e.g. `alert:<id>:raised`: one notification per key per person.")
    subject: str
    body: str = Field(description="Plain text.")
    link: str = Field(description="The page in Carebook it is about (a path).")
    location: uuid.UUID | None = None
    created_at: dt.datetime
    read_at: dt.datetime | None = Field(default=None, description="When you marked it as read; null while unread.")
    email: EmailStatus | None = Field(
        default=None, description="What became of its email: pending, sent or failed; null when none was sent."
    )


class NotificationListOut(BaseModel):
    unread: int = Field(description="How many of your notifications are unread (all of them, not only those listed).")
    notifications: list[NotificationOut]

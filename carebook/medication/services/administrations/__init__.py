"""Writes of administration records: recording a dose, correcting a record, following up a PRN dose."""

from carebook.access.witness import WitnessCredentials
from carebook.medication.services.administrations.correct import administration_mark_entered_in_error
from carebook.medication.services.administrations.follow_up import prn_follow_up_record
from carebook.medication.services.administrations.one_pass import (
    PassDoseRecording,
    PassDoseRefused,
    PassRefused,
    doses_record_in_one_pass,
)
from carebook.medication.services.administrations.record import LateDoseRequest, RecordResult, administration_record

__all__ = [
    "LateDoseRequest",
    "PassDoseRecording",
    "PassDoseRefused",
    "PassRefused",
    "RecordResult",
    "WitnessCredentials",
    "administration_mark_entered_in_error",
    "administration_record",
    "doses_record_in_one_pass",
    "prn_follow_up_record",
]

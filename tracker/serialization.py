"""The JSON format of dumpdata and loaddata, with timestamps kept to the microsecond.

Django's own JSON serializer cuts every datetime to the millisecond, so a dump loaded into
another database would shift each record's ``created``/``updated`` and every history entry's
time by up to a millisecond, and the API would show different times after a move. This one
writes them whole (ISO 8601, as the API does); reading is Django's, which takes either.
"""

from __future__ import annotations

import datetime

from django.core.serializers import json
from django.core.serializers.json import DjangoJSONEncoder

Deserializer = json.Deserializer


class ExactJSONEncoder(DjangoJSONEncoder):
    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            text = o.isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text
        return super().default(o)


class Serializer(json.Serializer):
    def _init_options(self):
        super()._init_options()
        self.json_kwargs["cls"] = ExactJSONEncoder

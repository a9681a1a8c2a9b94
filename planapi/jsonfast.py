"""JSON through orjson: the plan API's answers are big nested dicts, built and sent per read.

orjson writes UTF-8 directly (no `ensure_ascii`), keeps insertion order (no `sort_keys`) and
is several times faster than the standard library on these shapes; what it cannot encode
natively goes through Flask's own `default` (dates, decimals, dataclasses).
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Response
from flask.json.provider import DefaultJSONProvider


class OrjsonProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        return orjson.dumps(obj, default=self.default).decode()

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return orjson.loads(s)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        obj = self._prepare_response_obj(args, kwargs)
        body = orjson.dumps(obj, default=self.default)
        return Response(body, mimetype=self.mimetype)

"""The OpenAPI 3.1 description of ``/api/v1``, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

from typing import Any

from service.translation.states import ALL_STATES

ERROR = {"$ref": "#/components/schemas/Error"}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): {"description": "error", "content": {"application/json": {"schema": ERROR}}} for code in codes}


def _ok(description: str, schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {status: {"description": description, "content": {"application/json": {"schema": schema}}}}


ARTICLE_PATH = {"name": "article_id", "in": "path", "required": True, "schema": {"type": "integer"}}
LANG_PATH = {"name": "lang", "in": "path", "required": True, "schema": {"type": "string", "example": "ru"}}


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "Transdesk API", "version": "1.0.0",
                 "description": "Import articles, follow translation progress, edit segments and publish."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "browser session; writes also need the X-CSRFToken header"},
            },
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                                   "current": {"type": "object"}}}}},
                "ImportRequest": {"type": "object", "properties": {
                    "html": {"type": "string"}, "url": {"type": "string", "format": "uri"},
                    "markdown": {"type": "string"}, "text": {"type": "string"},
                    "slug": {"type": "string"}, "source_lang": {"type": "string"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "priority": {"type": "string", "enum": ["high", "normal", "low"]},
                    "update": {"type": "boolean", "default": False,
                               "description": "POST only: re-import the article with this slug (else the same "
                                              "canonical URL, else the title's slug) when there is one"}},
                    "description": "exactly one of html, url, markdown, text"},
                "ImportResult": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "slug": {"type": "string"}, "created": {"type": "boolean"},
                    "segments": {"type": "integer"},
                    "kept": {"type": "integer", "description": "segments that kept their translations"},
                    "added": {"type": "integer", "description": "new or changed segments, queued"},
                    "removed": {"type": "integer"},
                    "outdated": {"type": "array", "items": {"type": "string"},
                                 "description": "published languages the source change outdated"},
                    "languages": {"type": "array", "items": {"type": "string"}},
                    "status": {"$ref": "#/components/schemas/Status"}}},
                "Status": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "slug": {"type": "string"},
                    "languages": {"type": "object", "additionalProperties": {"type": "object", "properties": {
                        "states": {"type": "object", "properties": {s: {"type": "integer"} for s in ALL_STATES}},
                        "published": {"type": "boolean"}}}}}},
                "Segment": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "position": {"type": "integer"}, "source": {"type": "string"},
                    "translation": {"type": "object", "properties": {
                        "text": {"type": ["string", "null"]}, "state": {"type": "string", "enum": list(ALL_STATES)},
                        "version": {"type": "integer"}, "origin": {"type": ["string", "null"]},
                        "engine": {"type": ["string", "null"]}}}}},
                "SegmentUpdate": {"type": "object", "required": ["version"], "properties": {
                    "text": {"type": "string"}, "version": {"type": "integer"},
                    "state": {"type": "string", "enum": ["translated", "approved", "needs_work"]},
                    "note": {"type": "string"}}},
            },
        },
        "paths": {
            "/articles": {"post": {
                "summary": "Import an article and queue its target languages",
                "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ImportRequest"}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}, "languages": {"type": "string"}}}}}},
                "responses": {**_ok("created", {"$ref": "#/components/schemas/ImportResult"}, "201"),
                              **_ok("updated in place (update: true)", {"$ref": "#/components/schemas/ImportResult"}),
                              **_errors(400, 401, 403, 413, 422)}}},
            "/articles/{article_id}": {"get": {
                "summary": "Progress per language", "parameters": [ARTICLE_PATH],
                "responses": {**_ok("status", {"$ref": "#/components/schemas/Status"}), **_errors(401, 404)}},
                "put": {
                "summary": "Re-import the article's source in place: unchanged segments keep their translations, "
                           "new or changed ones are queued, published translations become outdated",
                "parameters": [ARTICLE_PATH],
                "requestBody": {"content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ImportRequest"}},
                    "multipart/form-data": {"schema": {"type": "object", "properties": {
                        "file": {"type": "string", "format": "binary"}, "languages": {"type": "string"}}}}}},
                "responses": {**_ok("updated", {"$ref": "#/components/schemas/ImportResult"}),
                              **_errors(400, 401, 403, 404, 413, 422)}}},
            "/articles/{article_id}/languages/{lang}/segments": {"get": {
                "summary": "Segments with their translation", "parameters": [ARTICLE_PATH, LANG_PATH],
                "responses": {**_ok("segments", {"type": "object", "properties": {"segments": {
                    "type": "array", "items": {"$ref": "#/components/schemas/Segment"}}}}), **_errors(401, 403, 404)}}},
            "/articles/{article_id}/languages/{lang}/segments/{segment_id}": {"put": {
                "summary": "Save, approve or send back one segment (optimistic locking on version)",
                "parameters": [ARTICLE_PATH, LANG_PATH,
                               {"name": "segment_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "requestBody": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/SegmentUpdate"}}}},
                "responses": {**_ok("updated", {"$ref": "#/components/schemas/Segment"}),
                              **_errors(400, 401, 403, 404, 409)}}},
            "/articles/{article_id}/languages/{lang}/publish": {"post": {
                "summary": "Publish when the gate passes (force needs a reason)",
                "parameters": [ARTICLE_PATH, LANG_PATH],
                "requestBody": {"content": {"application/json": {"schema": {"type": "object", "properties": {
                    "force": {"type": "boolean"}, "reason": {"type": "string"}}}}}},
                "responses": {**_ok("published", {"type": "object"}, "201"), **_errors(400, 401, 403, 404, 409)}}},
        },
    }

"""The OpenAPI 3.0 description of the API, served at /api/openapi.json.

Written by hand so it says what we promise, and checked against the running
API by the schemathesis test in tests/web/test_api_schema.py.
"""

from __future__ import annotations

from typing import Any

from slant.web.stories.spec import paths as stories_paths

_ERROR = {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}
_STATUS = {"type": "string", "enum": ["queued", "running", "done", "failed"]}
_ID = {"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "SHA-256 of the article text"}
_META = {
    "type": "object",
    "properties": {
        "id": _ID, "title": {"type": "string", "nullable": True}, "url": {"type": "string", "nullable": True},
        "outlet": {"type": "string", "nullable": True}, "author": {"type": "string", "nullable": True},
        "published": {"type": "string", "nullable": True}, "language": {"type": "string", "nullable": True},
    },
}
_ANALYSIS = {
    "type": "object", "nullable": True, "description": "slant.analysis/1, present when status is done",
    "required": ["schema", "article", "layers"],
    "properties": {"schema": {"type": "string", "enum": ["slant.analysis/1"]}, "article": {"type": "object"},
                   "layers": {"type": "object"}, "entities": {"type": "array"}, "summary": {"type": "object"}},
}


def _errors(*codes: int) -> dict[str, Any]:
    words = {400: "Bad input", 401: "Not authenticated", 403: "Role too low", 404: "Not found or not visible to you"}
    return {str(c): {"description": words[c], "content": {"application/json": {"schema": _ERROR}}} for c in codes}


_ROW_ID = {"type": "integer", "minimum": 1, "maximum": 999999999999999999}
_PAGE_META = {"page": {"type": "integer"}, "pages": {"type": "integer"}, "count": {"type": "integer"}, "per_page": {"type": "integer"}}
_UPLOAD = {
    "type": "object", "required": ["id", "source", "status", "articles", "errors"],
    "properties": {"id": {"type": "integer"}, "source": {"type": "string"}, "status": _STATUS,
                   "error": {"type": "string", "nullable": True, "description": "why the job failed, e.g. \"timed out after 300 s\""},
                   "articles": {"type": "array", "items": _ID, "description": "the articles it added"},
                   "errors": {"type": "array", "items": {"type": "string"}, "description": "the items it could not read"},
                   "url": {"type": "string", "description": "where to follow it"}},
}
_SPAN = {"type": "object", "required": ["key", "start", "end", "state"], "properties": {
    "key": {"type": "string", "description": "s<start>-<end>-<label> for a model span, c<id> for a span added by a correction"},
    "start": {"type": "integer"}, "end": {"type": "integer"}, "label": {"type": "string", "nullable": True},
    "score": {"type": "number", "nullable": True}, "model_label": {"type": "string", "nullable": True},
    "state": {"type": "string", "enum": ["model", "accepted", "rejected", "relabelled", "added"]}}}
_CORRECTIONS = {
    "type": "object", "required": ["article", "collection", "persuasion_corrected", "corrections", "orphaned_corrections"],
    "properties": {
        "article": _ID, "collection": {"type": "integer"}, "status": _STATUS,
        "pipeline": {"type": "string", "nullable": True, "description": "the id of the analysis the spans come from"},
        "persuasion_corrected": {"type": "array", "items": _SPAN},
        "corrections": {"type": "array", "items": {"type": "object"}},
        "orphaned_corrections": {"type": "array", "items": {"type": "object"},
                                 "description": "corrections whose span (same start, end, label) the current analysis lacks; applied to nothing"},
    },
}


def spec() -> dict[str, Any]:
    collection_id = {"name": "id", "in": "path", "required": True, "schema": _ROW_ID}
    article_id = {"name": "aid", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"}}
    page = {"name": "page", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1},
            "description": "which page of the list (SLANT_PAGE_SIZE items each, 50 by default)"}
    collection = {
        "type": "object", "required": ["id", "name", "role", "members", "articles"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["owner", "editor", "viewer"]},
            "members": {"type": "array", "items": {"type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string"}}}},
            "articles": {"type": "array", "items": {"type": "object"}}, **_PAGE_META,
        },
    }
    accepted = {
        "type": "object", "required": ["status"],
        "description": "text: the article's id and status; files, HTML and URLs: the uploads whose jobs read them",
        "properties": {"id": _ID, "status": _STATUS, "uploads": {"type": "array", "items": _UPLOAD},
                       "errors": {"type": "array", "items": {"type": "string"}}},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "slant API", "version": "1.0.0",
                 "description": "Collections of news articles and their slant.analysis/1 evidence."},
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"session": []}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "a token from `slant token create NAME`"},
                "session": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
            },
        },
        "paths": {
            "/api/collections": {
                "get": {"summary": "Your collections", "operationId": "listCollections",
                        "responses": {"200": {"description": "The collections you belong to", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["collections"], "properties": {"collections": {"type": "array", "items": {"type": "object"}}}}}}},
                            **_errors(401)}},
                "post": {"summary": "Create a collection (you become its owner)", "operationId": "createCollection",
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}}}}}},
                         "responses": {"201": {"description": "Created", "content": {"application/json": {"schema": {
                             "type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}}},
                             **_errors(400, 401)}},
            },
            "/api/collections/{id}": {
                "get": {"summary": "A collection with its members and one page of its articles", "operationId": "getCollection",
                        "parameters": [collection_id, page],
                        "responses": {"200": {"description": "The collection", "content": {"application/json": {"schema": collection}}},
                                      **_errors(401, 404)}},
            },
            "/api/collections/{id}/articles": {
                "get": {"summary": "The articles of a collection, a page at a time", "operationId": "listArticles",
                        "parameters": [collection_id, page],
                        "responses": {"200": {"description": "Articles with their analysis status", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["articles"], "properties": {
                                "articles": {"type": "array", "items": {"type": "object"}}, **_PAGE_META}}}}},
                            **_errors(401, 404)}},
                "post": {
                    "summary": "Add articles: text at once; files, an HTML page or a URL are read (fetched) in a job, then analysed",
                    "operationId": "addArticle", "parameters": [collection_id],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"type": "object", "properties": {
                            "text": {"type": "string", "description": "plain text, first line the title"},
                            "html": {"type": "string", "description": "an HTML page (read in a job)"},
                            "url": {"type": "string", "description": "alone: the page to fetch (in a job); with text or html: its address"},
                            "title": {"type": "string"}}}},
                        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "format": "binary",
                                     "description": "HTML, text, JSON Lines, a feed or a WARC archive; repeat the field for several"}}}},
                    }},
                    "responses": {
                        "201": {"description": "Added, analysis already done", "content": {"application/json": {"schema": accepted}}},
                        "202": {"description": "Queued: the article's analysis, or the uploads' reading",
                                "content": {"application/json": {"schema": accepted}}},
                        **_errors(400, 401, 403, 404),
                    },
                },
            },
            "/api/collections/{id}/uploads/{uid}": {
                "get": {"summary": "A file or URL being read into articles: its job's status, what it added, what it could not read",
                        "operationId": "getUpload",
                        "parameters": [collection_id, {"name": "uid", "in": "path", "required": True, "schema": _ROW_ID}],
                        "responses": {"200": {"description": "The upload", "content": {"application/json": {"schema": _UPLOAD}}},
                                      **_errors(401, 404)}},
            },
            "/api/collections/{id}/articles/{aid}/corrections": {
                "get": {"summary": "An article's persuasion spans as corrected here, the corrections and the orphaned ones",
                        "operationId": "getCorrections", "parameters": [collection_id, article_id],
                        "responses": {"200": {"description": "The corrections", "content": {"application/json": {"schema": _CORRECTIONS}}},
                                      **_errors(401, 404)}},
                "post": {"summary": "Correct a span: accept, reject or relabel one (by its key), or add one (start, end, label)",
                         "operationId": "addCorrection", "parameters": [collection_id, article_id],
                         "requestBody": {"required": True, "content": {"application/json": {"schema": {
                             "type": "object", "required": ["action"], "properties": {
                                 "action": {"type": "string", "enum": ["accept", "reject", "relabel", "add"]},
                                 "span": {"type": "string", "description": "the span's key (from persuasion_corrected)"},
                                 "start": {"type": "integer", "minimum": 0}, "end": {"type": "integer", "minimum": 0},
                                 "label": {"type": "string", "description": "a PTC technique: the new one (relabel) or the added span's (add)"}}}}}},
                         "responses": {"201": {"description": "Made", "content": {"application/json": {"schema": _CORRECTIONS}}},
                                       **_errors(400, 401, 403, 404)}},
            },
            "/api/collections/{id}/articles/{aid}/corrections/{cid}": {
                "delete": {"summary": "Delete a correction (with the corrections of the span it added)", "operationId": "deleteCorrection",
                           "parameters": [collection_id, article_id, {"name": "cid", "in": "path", "required": True, "schema": _ROW_ID}],
                           "responses": {"204": {"description": "Deleted"}, **_errors(401, 403, 404)}},
            },
            "/api/collections/{id}/export": {
                "get": {"summary": "The collection's analyses with its corrections applied", "operationId": "exportCollection",
                        "parameters": [collection_id, {"name": "format", "in": "query", "required": False,
                                                       "schema": {"type": "string", "enum": ["jsonl", "csv", "ptc"], "default": "jsonl"}}],
                        "responses": {"200": {"description": "jsonl: one slant.analysis/1 per line; csv: one row per span; ptc: the SemEval format",
                                              "content": {"application/x-ndjson": {"schema": {"type": "string"}},
                                                          "text/csv": {"schema": {"type": "string"}},
                                                          "text/tab-separated-values": {"schema": {"type": "string"}}}},
                                      **_errors(400, 401, 404)}},
            },
            "/api/articles/{id}": {
                "get": {"summary": "An article's analysis status and, when done, its slant.analysis/1", "operationId": "getArticle",
                        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                        "responses": {"200": {"description": "The article", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["id", "status", "analysis", "error"],
                            "properties": {"id": _ID, "status": _STATUS, "analysis": _ANALYSIS,
                                           "error": {"type": "string", "nullable": True}, "article": _META,
                                           "collections": {"type": "array", "items": {"type": "integer"}}}}}}},
                            **_errors(401, 404)}},
            },
            **stories_paths(),  # issue 13: stories, outlets, attention
        },
    }

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


def spec() -> dict[str, Any]:
    collection_id = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1, "maximum": 999999999999999999}}
    collection = {
        "type": "object", "required": ["id", "name", "role", "members", "articles"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "role": {"type": "string", "enum": ["owner", "editor", "viewer"]},
            "members": {"type": "array", "items": {"type": "object", "properties": {"username": {"type": "string"}, "role": {"type": "string"}}}},
            "articles": {"type": "array", "items": {"type": "object"}},
        },
    }
    accepted = {
        "type": "object", "required": ["id", "status"],
        "properties": {"id": _ID, "status": _STATUS, "articles": {"type": "array"}, "errors": {"type": "array", "items": {"type": "string"}}},
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
                "get": {"summary": "A collection with its members and articles", "operationId": "getCollection",
                        "parameters": [collection_id],
                        "responses": {"200": {"description": "The collection", "content": {"application/json": {"schema": collection}}},
                                      **_errors(401, 404)}},
            },
            "/api/collections/{id}/articles": {
                "get": {"summary": "The articles of a collection", "operationId": "listArticles", "parameters": [collection_id],
                        "responses": {"200": {"description": "Articles with their analysis status", "content": {"application/json": {"schema": {
                            "type": "object", "required": ["articles"], "properties": {"articles": {"type": "array", "items": {"type": "object"}}}}}}},
                            **_errors(401, 404)}},
                "post": {
                    "summary": "Add an article (analysed in the background)", "operationId": "addArticle", "parameters": [collection_id],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": {"type": "object", "properties": {
                            "text": {"type": "string", "description": "plain text, first line the title"},
                            "html": {"type": "string", "description": "an HTML page"},
                            "url": {"type": "string"}, "title": {"type": "string"}}}},
                        "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                            "file": {"type": "string", "format": "binary"}}}},
                    }},
                    "responses": {
                        "201": {"description": "Added, analysis already done", "content": {"application/json": {"schema": accepted}}},
                        "202": {"description": "Added, analysis queued", "content": {"application/json": {"schema": accepted}}},
                        **_errors(400, 401, 403, 404),
                    },
                },
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

"""The OpenAPI paths of the stories, outlets and attention API (merged into ``api.spec.spec``)."""

from __future__ import annotations

from typing import Any

def _ok(description: str, schema: dict[str, Any] | None = None, status: str = "200") -> dict[str, Any]:
    return {status: {"description": description,
                     "content": {"application/json": {"schema": schema or {"type": "object"}}}}}


_ROW_ID = {"type": "integer", "minimum": 1, "maximum": 999999999999999999}
_COLLECTION = {"name": "collection", "in": "query", "required": False, "schema": _ROW_ID,
               "description": "only this collection's articles (default: all of yours)"}
_STORY = {"type": "object", "required": ["id", "title", "articles", "outlets", "first_published", "last_published"],
          "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                         "articles": {"type": "array", "items": {"type": "string"}},
                         "outlets": {"type": "array", "items": {"type": "string"}},
                         "first_published": {"type": "string", "nullable": True},
                         "last_published": {"type": "string", "nullable": True}}}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ROW_ID}


def _q(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"},
            "description": description}


_SEARCH = [
    _q("q", "words to find (full-text)"), _q("entity", "an actor's name"), _q("technique", "a persuasion technique"),
    _q("outlets", "outlet ids, comma-separated"),
    _q("interval", "day or week", {"type": "string", "enum": ["day", "week"]}),
    _q("since", "first date", {"type": "string", "format": "date"}),
    _q("until", "last date", {"type": "string", "format": "date"}), _COLLECTION,
]


def paths() -> dict[str, Any]:
    from slant.web.api.spec import _errors  # here: api.spec imports this module

    return {
        "/api/stories": {"get": {
            "summary": "Stories with articles in your collections", "operationId": "listStories",
            "parameters": [_COLLECTION, _q("min_size", "at least this many articles", {"type": "integer", "minimum": 1}),
                           _q("page", "which page of the list (SLANT_PAGE_SIZE stories each, 50 by default)",
                              {"type": "integer", "minimum": 1})],
            "responses": {**_ok("One page of the stories, newest first", {
                "type": "object", "required": ["stories", "several_outlets", "page", "pages", "count", "per_page"],
                "properties": {
                    "stories": {"type": "array", "items": _STORY},
                    "several_outlets": {"type": "integer", "description": "how many of all the pages' stories "
                                        "more than one outlet tells"},
                    "page": {"type": "integer"}, "pages": {"type": "integer"},
                    "count": {"type": "integer", "description": "stories in all pages"},
                    "per_page": {"type": "integer"}}}), **_errors(400, 401, 404)}}},
        "/api/stories/{sid}": {"get": {
            "summary": "One story: its articles and the outlets side by side", "operationId": "getStory",
            "parameters": [_path_id("sid"), _COLLECTION],
            "responses": {**_ok("The story and its comparison", _STORY), **_errors(401, 404)}}},
        "/api/stories/{sid}/merge": {"post": {
            "summary": "Merge stories into this one (kept: no automatic pass undoes it)", "operationId": "mergeStories",
            "parameters": [_path_id("sid")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["stories"],
                "properties": {"stories": {"type": "array", "items": _ROW_ID}}}}}},
            "responses": {**_ok("Merged"), **_errors(400, 401, 403, 404)}}},
        "/api/stories/{sid}/split": {"post": {
            "summary": "Move some articles of this story to a new story (kept)", "operationId": "splitStory",
            "parameters": [_path_id("sid")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["articles"],
                "properties": {"articles": {"type": "array", "items": {"type": "string"}}}}}}},
            "responses": {**_ok("Split", status="201"), **_errors(400, 401, 403, 404)}}},
        "/api/outlets": {"get": {
            "summary": "Outlets of your collections' articles", "operationId": "listOutlets", "parameters": [_COLLECTION],
            "responses": {**_ok("Outlets, most articles first"), **_errors(401, 404)}}},
        "/api/outlets/compare": {"get": {
            "summary": "Two outlets side by side", "operationId": "compareOutlets",
            "parameters": [{**_q("a", "an outlet id", _ROW_ID), "required": True},
                           {**_q("b", "another outlet id", _ROW_ID), "required": True},
                           _q("interval", "day, week or month", {"type": "string", "enum": ["day", "week", "month"]}),
                           _COLLECTION],
            "responses": {**_ok("Both profiles and the actors both cover"), **_errors(400, 401, 404)}}},
        "/api/outlets/{oid}": {"get": {
            "summary": "An outlet's profile", "operationId": "getOutlet",
            "parameters": [_path_id("oid"),
                           _q("interval", "day, week or month", {"type": "string", "enum": ["day", "week", "month"]}),
                           _COLLECTION],
            "responses": {**_ok("Articles over time, technique rates, actors, sources"), **_errors(400, 401, 404)}}},
        "/api/outlets/{oid}/name": {"post": {
            "summary": "Your own name for an outlet (empty: back to the name as read)", "operationId": "renameOutlet",
            "parameters": [_path_id("oid")],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["name"], "properties": {"name": {"type": "string", "maxLength": 200}}}}}},
            "responses": {**_ok("Renamed"), **_errors(400, 401, 404)}}},
        "/api/attention": {"get": {
            "summary": "Matching articles per day or week, one series per outlet", "operationId": "getAttention",
            "parameters": _SEARCH, "responses": {**_ok("The series"), **_errors(400, 401, 404)}}},
        "/api/attention.csv": {"get": {
            "summary": "The same as CSV: period, outlet_id, outlet, articles", "operationId": "getAttentionCsv",
            "parameters": _SEARCH,
            "responses": {"200": {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}},
                          **_errors(400, 401, 404)}}},
    }

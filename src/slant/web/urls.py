"""Every URL of the web app. tests/web/test_access.py lists each one with its
access rules and fails when a pattern here has none."""

from __future__ import annotations

from pathlib import Path

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter, re_path
from django.views.static import serve

from slant.web.accounts import views as accounts
from slant.web.api import views as api
from slant.web.feeds import views as feeds
from slant.web.jobs import views as jobs
from slant.web.library import editing
from slant.web.library import views as library
from slant.web.reader import corrections, exports
from slant.web.reader import views as reader
from slant.web.search import views as search
from slant.web.stories import pages as story_pages
from slant.web.stories import views as stories


class ArticleId:
    regex = "[0-9a-f]{64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


class RowId:
    """A database id: at most 18 digits, so a huge number is a 404, not an overflow."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(ArticleId, "aid")
register_converter(RowId, "id")

STATIC = Path(__file__).parent / "static"

urlpatterns = [
    path("", reader.home, name="home"),
    # Accounts: Django's own views for log in/out and passwords.
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", accounts.register, name="register"),
    path("accounts/password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/password/reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/password/reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/tokens/", accounts.tokens, name="tokens"),
    path("accounts/invitations/", accounts.invitations, name="invitations"),
    # Collections and their articles; every page has a .json twin.
    path("collections/", library.collection_list, name="collection_list"),
    path("collections.json", library.collection_list_json, name="collection_list_json"),
    path("collections/new/", library.collection_create, name="collection_create"),
    path("collections/<id:cid>/", library.collection, name="collection"),
    path("collections/<id:cid>.json", library.collection_json, name="collection_json"),
    path("collections/<id:cid>/rename/", editing.collection_rename, name="collection_rename"),
    path("collections/<id:cid>/delete/", editing.collection_delete, name="collection_delete"),
    path("collections/<id:cid>/members/", library.members, name="members"),
    path("collections/<id:cid>/members.json", library.members_json, name="members_json"),
    path("collections/<id:cid>/add/", library.add_article, name="add_article"),
    path("collections/<id:cid>/jobs/", jobs.jobs, name="jobs"),
    path("collections/<id:cid>/jobs.json", jobs.jobs_json, name="jobs_json"),
    path("collections/<id:cid>/jobs/<id:jid>/retry/", jobs.job_retry, name="job_retry"),
    path("collections/<id:cid>/feeds/", feeds.feeds, name="feeds"),
    path("collections/<id:cid>/feeds.json", feeds.feeds_json, name="feeds_json"),
    path("collections/<id:cid>/feeds/<id:fid>/poll/", feeds.feed_poll_now, name="feed_poll_now"),
    path("collections/<id:cid>/feeds/<id:fid>/unfollow/", feeds.feed_unfollow, name="feed_unfollow"),
    path("collections/<id:cid>/export/ptc.txt", reader.export_ptc_view, name="export_ptc"),
    path("collections/<id:cid>/export/label-studio.json", reader.export_label_studio_view, name="export_label_studio"),
    path("collections/<id:cid>/export.<str:fmt>", exports.export_collection, name="export_collection"),
    path("collections/<id:cid>/articles/<aid:aid>/", reader.article, name="article"),
    path("collections/<id:cid>/articles/<aid:aid>.json", reader.article_json, name="article_json"),
    path("collections/<id:cid>/articles/<aid:aid>/rename/", editing.article_rename, name="article_rename"),
    path("collections/<id:cid>/articles/<aid:aid>/delete/", editing.article_delete, name="article_delete"),
    path("collections/<id:cid>/articles/<aid:aid>/corrections/", reader.correct, name="correct"),
    path("collections/<id:cid>/articles/<aid:aid>/corrections/<id:corr>/delete/", corrections.correction_delete,
         name="correction_delete"),
    path("search/", search.search_page, name="search"),
    path("search.json", search.search_json, name="search_json"),
    # The API.
    path("api/openapi.json", api.openapi, name="api_openapi"),
    path("api/collections", api.collections, name="api_collections"),
    path("api/collections/<id:cid>", api.collection, name="api_collection"),
    path("api/collections/<id:cid>/articles", api.collection_articles, name="api_collection_articles"),
    path("api/collections/<id:cid>/articles/<aid:aid>/corrections", api.corrections, name="api_corrections"),
    path("api/collections/<id:cid>/articles/<aid:aid>/corrections/<id:cid2>", api.correction, name="api_correction"),
    path("api/collections/<id:cid>/uploads/<id:uid>", api.upload, name="api_upload"),
    path("api/collections/<id:cid>/export", api.export, name="api_export"),
    path("api/articles/<str:aid>", api.article, name="api_article"),
    # Stories, outlets and attention (issue 13): the pages, each with its .json twin (the API view: session or
    # token, the same access checks), then their JSON API.
    path("stories/", story_pages.story_list_page, name="stories"),
    path("stories.json", stories.story_list, name="stories_json"),
    path("stories/<id:sid>/", story_pages.story_page, name="story"),
    path("stories/<id:sid>.json", stories.story, name="story_json"),
    path("outlets/", story_pages.outlet_list_page, name="outlets"),
    path("outlets.json", stories.outlet_list, name="outlets_json"),
    path("outlets/compare/", story_pages.outlet_compare_page, name="outlets_compare"),
    path("outlets/compare.json", stories.outlet_compare, name="outlets_compare_json"),
    path("outlets/<id:oid>/", story_pages.outlet_page, name="outlet"),
    path("outlets/<id:oid>.json", stories.outlet, name="outlet_json"),
    path("attention/", story_pages.attention_page, name="attention"),
    path("attention.json", story_pages.attention_page_json, name="attention_json"),
    path("api/stories", stories.story_list, name="api_stories"),
    path("api/stories/<id:sid>", stories.story, name="api_story"),
    path("api/stories/<id:sid>/merge", stories.story_merge, name="api_story_merge"),
    path("api/stories/<id:sid>/split", stories.story_split, name="api_story_split"),
    path("api/outlets", stories.outlet_list, name="api_outlets"),
    path("api/outlets/compare", stories.outlet_compare, name="api_outlets_compare"),
    path("api/outlets/<id:oid>", stories.outlet, name="api_outlet"),
    path("api/outlets/<id:oid>/name", stories.outlet_name, name="api_outlet_name"),
    path("api/attention", stories.attention_json, name="api_attention"),
    path("api/attention.csv", stories.attention_csv, name="api_attention_csv"),
    re_path(r"^api/(?P<rest>.*)$", api.not_found, name="api_not_found"),
    # Small static files (CSS, JS), served by the app so `slant serve` needs
    # nothing else; a reverse proxy may serve /static/ itself.
    re_path(r"^static/(?P<path>.*)$", serve, {"document_root": STATIC}, name="static"),
    path("admin/", admin.site.urls),
]

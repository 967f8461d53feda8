from __future__ import annotations

from django.urls import path

from dashboard.views import accounts, calendar, compose, home, media, post_actions, posts, team

app_name = "dashboard"

urlpatterns = [
    path("stores/<uuid:store_id>/", home.overview, name="overview"),
    path("stores/<uuid:store_id>/accounts/", accounts.accounts, name="accounts"),
    path(
        "stores/<uuid:store_id>/accounts/<str:platform>/connect",
        accounts.account_connect,
        name="account-connect",
    ),
    path(
        "stores/<uuid:store_id>/accounts/<int:account_id>/disconnect",
        accounts.account_disconnect,
        name="account-disconnect",
    ),
    path("stores/<uuid:store_id>/compose/", compose.compose, name="compose"),
    path("stores/<uuid:store_id>/compose/preview", compose.compose_preview, name="compose-preview"),
    path(
        "stores/<uuid:store_id>/compose/generate",
        compose.compose_generate,
        name="compose-generate",
    ),
    path("stores/<uuid:store_id>/calendar/", calendar.calendar_view, name="calendar"),
    path("stores/<uuid:store_id>/media/", media.library, name="media"),
    path("stores/<uuid:store_id>/media/uploads", media.upload_start, name="media-upload"),
    path(
        "stores/<uuid:store_id>/media/uploads/<uuid:upload_id>",
        media.upload_chunk,
        name="media-upload-chunk",
    ),
    path(
        "stores/<uuid:store_id>/media/uploads/<uuid:upload_id>/complete",
        media.upload_finish,
        name="media-upload-complete",
    ),
    path(
        "stores/<uuid:store_id>/media/<uuid:asset_id>/delete",
        media.media_delete,
        name="media-delete",
    ),
    path("stores/<uuid:store_id>/team/", team.team, name="team"),
    path(
        "stores/<uuid:store_id>/team/<int:membership_id>/remove",
        team.member_remove,
        name="member-remove",
    ),
    path(
        "stores/<uuid:store_id>/team/invitations/<int:invitation_id>/withdraw",
        team.invitation_revoke,
        name="invitation-revoke",
    ),
    path("stores/<uuid:store_id>/keys/", team.keys, name="keys"),
    path("stores/<uuid:store_id>/keys/<int:key_id>/revoke", team.key_revoke, name="key-revoke"),
    path("stores/<uuid:store_id>/posts/", posts.post_list, name="posts"),
    path("stores/<uuid:store_id>/posts/<uuid:post_id>/", posts.post_detail, name="post"),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/status",
        posts.post_status,
        name="post-status",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/retry",
        posts.post_retry_view,
        name="post-retry",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/cancel",
        posts.post_cancel_view,
        name="post-cancel",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/edit",
        post_actions.post_edit_view,
        name="post-edit",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/unpublish",
        post_actions.post_unpublish_view,
        name="post-unpublish",
    ),
    path(
        "stores/<uuid:store_id>/posts/<uuid:post_id>/move",
        post_actions.post_move_view,
        name="post-move",
    ),
]

"""A store's team: invitations by link, accepting them, removing members."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Store
from dashboard.models import Invitation


class TeamError(Exception):
    """A team change that is refused; the message is fit to show the owner."""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_create(
    *, store: Store, email: str, role: str, invited_by: Any
) -> tuple[Invitation, str]:
    """Make an invitation and return it with its raw token, which only the link carries."""
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        store=store,
        email=email.strip().lower(),
        role=role,
        token_hash=_hash(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_DAYS),
    )
    return invitation, token


def invitation_send(*, invitation: Invitation, link: str) -> None:
    send_mail(
        subject=_("You are invited to %(store)s on Mollkom Social") % {"store": invitation.store},
        message=_("Open this link to join %(store)s: %(link)s")
        % {
            "store": invitation.store,
            "link": link,
        },
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_find(*, token: str) -> Invitation | None:
    """The invitation the link names, while it can still be accepted."""
    return (
        Invitation.objects.select_related("store")
        .filter(token_hash=_hash(token), accepted_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )


def invitation_accept(*, token: str, user: Any) -> Membership:
    """Join the store. Single use: two clicks racing, one wins, the other is refused."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Invitation.objects.filter(
            token_hash=_hash(token), accepted_at__isnull=True, expires_at__gt=now
        ).update(accepted_at=now, accepted_by=user)
        if not claimed:
            raise TeamError(_("This invitation has expired or was already used."))
        invitation = Invitation.objects.select_related("store").get(token_hash=_hash(token))
        membership, created = Membership.objects.get_or_create(
            store=invitation.store, user=user, defaults={"role": invitation.role}
        )
        if not created and membership.role != Membership.Role.OWNER:
            # A member takes the invited role, except an owner, who stays one: a link must
            # never demote the store's last owner.
            membership.role = invitation.role
            membership.save(update_fields=["role"])
    return membership


def invitation_cancel(*, store: Store, invitation_id: int) -> None:
    Invitation.objects.filter(store=store, pk=invitation_id, accepted_at__isnull=True).delete()


def membership_remove(*, store: Store, membership_id: int) -> None:
    """Remove a member; the last owner stays, so a store is never left without one."""
    with transaction.atomic():
        members = list(Membership.objects.select_for_update().filter(store=store))
        target = next((m for m in members if m.pk == membership_id), None)
        if target is None:
            raise TeamError(_("No such member."))
        owners = [m for m in members if m.role == Membership.Role.OWNER]
        if target.role == Membership.Role.OWNER and len(owners) == 1:
            raise TeamError(_("A store keeps at least one owner."))
        target.delete()

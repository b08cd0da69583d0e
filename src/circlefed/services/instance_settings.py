"""Services: the admin's instance settings form saved: identity, registration, who starts circles, crisis
resources, safety switches and confidentiality, committed together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from circlefed.domain import confidentiality, safety_admin
from circlefed.domain.circle_founding import set_circle_creators
from circlefed.domain.instance_identity import set_instance_identity
from circlefed.domain.instance_policy import read_instance_policy
from circlefed.domain.registration import set_registration_mode
from circlefed.services import trust
from circlefed.storage.models import CircleCreators, RegistrationMode


@dataclass(frozen=True)
class InstanceSettings:
    """What the admin's settings form sets."""

    name: str
    description: str
    registration_mode: RegistrationMode
    circle_creators: CircleCreators
    crisis_resources: str
    switches: dict[str, bool]  # safety_admin's switches by name
    share_real_names: bool
    members_to_untrusted_software: bool


async def save_instance_settings(wanted: InstanceSettings, *, now: datetime) -> int:
    """Save the form; returns how many queued deliveries to untrusted software were cancelled (turning that
    off, as `circlefed confidentiality untrusted-software`)."""
    async with in_transaction():
        before = await read_instance_policy()
        await set_instance_identity(wanted.name, wanted.description)
        await set_registration_mode(wanted.registration_mode)
        if wanted.circle_creators is not before.circle_creators:
            await set_circle_creators(wanted.circle_creators)
        await safety_admin.set_crisis_resources(wanted.crisis_resources)
        for name, on in wanted.switches.items():
            await safety_admin.set_switch(name, on)
        if wanted.share_real_names != before.share_real_names:
            await confidentiality.set_share_real_names(wanted.share_real_names)
        if wanted.members_to_untrusted_software == before.members_circles_to_untrusted_software:
            return 0
        return await trust.allow_untrusted_software(wanted.members_to_untrusted_software, now)

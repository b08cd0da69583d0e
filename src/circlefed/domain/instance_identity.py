"""Domain: the instance's name and description as the admin sets them (shown instead of the settings file's)."""

from __future__ import annotations

import logging

from circlefed.domain.instance_policy import read_instance_policy, update_instance_policy
from circlefed.errors import BadRequest
from circlefed.storage.models import InstancePolicy

log = logging.getLogger(__name__)
MAX_NAME = 100
MAX_DESCRIPTION = 2000


async def set_instance_identity(name: str, description: str) -> InstancePolicy:
    """Empty text means "use the settings file's value" (stored as NULL)."""
    name, description = name.strip(), description.strip()
    if len(name) > MAX_NAME:
        raise BadRequest(f"the instance name is at most {MAX_NAME} characters")
    if len(description) > MAX_DESCRIPTION:
        raise BadRequest(f"the instance description is at most {MAX_DESCRIPTION} characters")
    row = await update_instance_policy(instance_name=name or None, instance_description=description or None)
    log.info("instance name and description updated")
    return row


async def instance_identity(default_name: str, default_description: str) -> tuple[str, str]:
    """(name, description) the instance shows everywhere: the admin's, else the settings file's."""
    policy = await read_instance_policy()
    return policy.instance_name or default_name, policy.instance_description or default_description

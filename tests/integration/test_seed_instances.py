"""`circlefed dev seed` run for two instances in one process (as the pages benchmark does): each instance's
Announces name its own objects, never the first instance's."""

from __future__ import annotations

import pytest

from circlefed.cli.seed import SeedSize, seed
from circlefed.domain.site import Site
from circlefed.storage.db import activated, open_database
from circlefed.storage.models import OutboxActivity

pytestmark = pytest.mark.storage


async def test_each_seeded_instance_announces_its_own_objects(make_database_url):
    for port in (8101, 8102):
        ctx = await open_database(await make_database_url())
        with activated(ctx):
            base = f"http://127.0.0.1:{port}"
            await seed(Site.for_base_url(base, base.removeprefix("http://"), "seeded"), SeedSize(1, 4, 12, 3))
            announces = await OutboxActivity.filter(type="Announce").values_list("object_uri", "payload")
        await ctx.close_connections()
        assert announces and all(uri.startswith(base) for uri, _ in announces)
        assert all(str(payload).count("127.0.0.1:") == str(payload).count(f"127.0.0.1:{port}")
                   for _, payload in announces), f"an Announce of {base} names another instance"

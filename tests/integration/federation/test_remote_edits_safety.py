"""A remote Update passes the hosting instance's safety net like a local edit: crisis words hold it for the
circle's facilitators, the circle keeps the earlier text, and nothing of the held edit is relayed (issue 15)."""

from __future__ import annotations

import pytest

from circlefed.domain import threads
from circlefed.storage.models import OutboxActivity, ReviewState, Revision, Thread
from circlefed.web.keys import CLOCK, SITE

from .circles import act, settle
from .lifecycle_net import lifecycle_net

pytestmark = pytest.mark.storage


@pytest.fixture
async def net(start_instance):
    built = await lifecycle_net(start_instance)
    yield built
    await built.close()


async def test_a_remote_update_in_crisis_words_is_held_where_the_circle_lives(net):
    with net.b.db():
        on_b = await net.on_b()
    started = await act(net.b, threads.start_thread(net.b.app[SITE], on_b, net.bea, title="Evenings",
                                                    source="Quiet today.", now=net.b.app[CLOCK].now()))
    await settle(net.a, net.b)
    with net.b.db():
        mine = await Thread.get(uri=started.thread.uri)
    with net.a.db():
        announces = await OutboxActivity.filter(type="Announce", object_uri=mine.uri).count()
    edited = await act(net.b, threads.edit_thread(net.b.app[SITE], mine, net.bea, title="Evenings",
                                                  source="I am going to kill myself tonight.", content_warning=None,
                                                  now=net.b.app[CLOCK].now()))
    assert edited.thread.source.startswith("I am going"), "positive control: the author's instance took the edit"
    await settle(net.a, net.b)
    with net.a.db():
        on_a = await Thread.get(uri=started.thread.uri)
        held = await Revision.get(thread_id=on_a.id, is_proposal=True)
        relayed = await OutboxActivity.filter(type="Announce", object_uri=mine.uri).count() - announces
    assert "Quiet today." in on_a.content_html and on_a.review_state is ReviewState.VISIBLE
    assert held.state is ReviewState.HELD and "kill myself" in held.source + held.content_html
    assert relayed == 0, "the circle relays nothing of a held edit"
    _, page = await net.page("fran", f"{net.quiet_uri}/facilitate/held")
    assert "Edits held for review" in page and "kill myself" in page

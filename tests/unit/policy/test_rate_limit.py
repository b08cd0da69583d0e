"""Token buckets per key: a burst, then a steady rate, a retry time, and 0 for no limit."""

from circlefed.clock import FakeClock
from circlefed.policy.rate_limit import Rate, RateLimiter, Throttled
from circlefed.policy.verdicts import Allow


def test_a_burst_then_the_rate_with_a_retry_time_per_key():
    # SPEC: issue 7 rate limits (per account / per remote domain, with a clock)
    clock = FakeClock()
    limiter = RateLimiter(Rate(per_minute=60, burst=3), clock, what="deliveries")
    assert all(isinstance(limiter.take("a.example"), Allow) for _ in range(3))
    refused = limiter.take("a.example")
    assert isinstance(refused, Throttled) and refused.status == 429 and refused.retry_after == 1
    assert "at most 60 a minute" in refused.reason
    assert isinstance(limiter.take("b.example"), Allow)  # each key has its own bucket
    clock.advance(1)
    assert isinstance(limiter.take("a.example"), Allow)
    assert isinstance(limiter.take("a.example"), Throttled)
    clock.advance(3600)
    assert sum(isinstance(limiter.take("a.example"), Allow) for _ in range(5)) == 3  # never more than the burst


def test_a_rate_of_zero_is_no_limit():
    limiter = RateLimiter(Rate(per_minute=0, burst=0), FakeClock(), what="posts")
    assert all(isinstance(limiter.take("k"), Allow) for _ in range(1000))

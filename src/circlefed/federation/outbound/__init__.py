"""Federation, outbound: publishing local changes (render, store, enqueue through the confidentiality and domain
policy at the exit), and taking copies back (withdraw)."""

"""Services: one function per use case (post, edit, join, ban, trust an instance, ...) that owns its
transaction, runs the domain rule, the policy enforcement and the outbound publish; web, CLI and the client
APIs call these and only parse input and render output."""

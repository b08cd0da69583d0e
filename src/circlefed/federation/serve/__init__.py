"""Federation, serve: the ActivityPub documents and collections this instance serves at its ids, and to whom."""

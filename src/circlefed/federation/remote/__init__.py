"""Federation, remote: other servers' actors, keys, handles, software and circles, looked up and kept current."""

"""circlefed: a federated forum server for peer-support circles."""

__version__ = "0.1.0"

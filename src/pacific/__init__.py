"""Pacific: one management plane for virtual machines and pods, speaking the Kubernetes API."""

__version__ = "0.1.0"

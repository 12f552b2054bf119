"""The host agent: Pacific's kubelet. One per host; runs what is bound to it."""

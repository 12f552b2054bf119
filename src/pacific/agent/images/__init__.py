"""The host's OCI image store: references, manifests, blobs, snapshots, pulls, GC.

Start at `store.ImageStore`; the rest are its parts, most of them pure.
"""

"""Pod networking on one host: a bridge, a pod CIDR, one network namespace per pod.

`protocol.Network` is what the agent calls; `bridge.BridgeNetwork` is the Linux
implementation (netlink through pyroute2, nftables through `nft -f -`), and
`pacific.testing.fakenetwork.FakeNetwork` the fake for tests. Pure pieces: `ipam` (address
allocation), `ruleset` (the nftables ruleset), `names` (deterministic device names and MACs).
"""

"""Runtimes the agent runs pods with: `container` (crun), later `microvm` and `vm` (QEMU).

Every runtime implements `protocol.Runtime`; the agent's sync loop never knows which one it
talks to. Runtimes never import each other, the network or storage packages.
"""

"""Schemas of VirtualMachine's spec and status (v1alpha3).

The spec says what the VM should be: its class (hardware), image, storage class, bootstrap,
network, power state and modes, volumes, readiness probe and a few advanced settings. The
status is what the runtime observed; nothing writes it until a VM runtime runs (it is never
made up). Lists that are merged by key (`interfaces`, `volumes`, `cdrom`) declare their
list-map keys, as the CRD does.
"""

from __future__ import annotations

from pacific.api.schema import array, map_of, schema_for
from pacific.api.vmservice.refs import (
    ANY,
    BOOL,
    INT32,
    INT64,
    INT_OR_STRING,
    LOCAL_OBJECT_REF,
    META,
    PARTIAL_OBJECT_REF,
    QUANTITY,
    STRING,
    TIME,
    conditions,
    enum,
    field,
    named,
    strings,
)
from pacific.api.vmservice.schemas_bootstrap import BOOTSTRAP

POWER_STATES = ("PoweredOff", "PoweredOn", "Suspended")
POWER_OP_MODES = ("Hard", "Soft", "TrySoft")
PROVISIONING_MODES = ("Thin", "Thick", "ThickEagerZero")
IMAGE_KINDS = ("VirtualMachineImage", "ClusterVirtualMachineImage")

IMAGE_REF = named(
    "VirtualMachineImageRef",
    {
        "kind": field(STRING, "VirtualMachineImage or ClusterVirtualMachineImage.", required=True),
        "name": field(STRING, "Object name of the image (vmi-...).", required=True),
    },
    "A reference to a namespace or cluster image by kind and object name.",
)

ROUTE = named(
    "VirtualMachineNetworkRouteSpec",
    {
        "to": field(STRING, "Destination network in CIDR notation.", required=True),
        "via": field(STRING, "Gateway IP, of the same family as to.", required=True),
        "metric": field(INT32, "Route metric (1 or more)."),
    },
    "A static route of an interface (Cloud-Init only).",
)

INTERFACE = named(
    "VirtualMachineNetworkInterfaceSpec",
    {
        "name": field(
            STRING, "Interface name, ^[a-z0-9]{2,}$, e.g. eth0. Immutable.", required=True
        ),
        "network": field(
            PARTIAL_OBJECT_REF,
            "The network the interface connects to; empty means the namespace's default "
            "network. Immutable.",
        ),
        "guestDeviceName": field(STRING, "Device name in the guest (Cloud-Init only)."),
        "macAddr": field(STRING, "A fixed MAC address, e.g. 00:50:56:aa:bb:cc."),
        "addresses": strings("Static IP addresses in CIDR notation, e.g. 192.168.0.10/24."),
        "dhcp4": field(BOOL, "Use DHCP for IPv4 (not with IPv4 addresses or gateway4)."),
        "dhcp6": field(BOOL, "Use DHCP for IPv6 (not with IPv6 addresses or gateway6)."),
        "gateway4": field(STRING, 'IPv4 default gateway; "None" ignores the network\'s.'),
        "gateway6": field(STRING, 'IPv6 default gateway; "None" ignores the network\'s.'),
        "mtu": field(INT64, "MTU of the interface (Cloud-Init only)."),
        "nameservers": strings("DNS servers of this interface (Cloud-Init or Sysprep)."),
        "routes": field(array(ROUTE, list_type="atomic"), "Static routes (Cloud-Init only)."),
        "searchDomains": strings("DNS search domains of this interface (Cloud-Init only)."),
    },
    "One network interface of the VM.",
)

NETWORK = named(
    "VirtualMachineNetworkSpec",
    {
        "hostName": field(STRING, "Guest host name (RFC 1034 label); defaults to the VM name."),
        "domainName": field(STRING, "DNS domain of the guest; for Sysprep, the domain to join."),
        "disabled": field(BOOL, "No network interface at all (no default interface either)."),
        "nameservers": strings("Global DNS servers (IP addresses)."),
        "searchDomains": strings("Global DNS search domains."),
        "interfaces": field(
            array(INTERFACE, keys=("name",)),
            "Network interfaces, keyed by name (at most 10). When empty and not disabled, "
            "eth0 on the namespace's default network is added.",
        ),
    },
    "The VM's network configuration.",
)

PVC_VOLUME = named(
    "PersistentVolumeClaimVolumeSource",
    {
        "claimName": field(STRING, "Name of a PVC in the VM's namespace.", required=True),
        "readOnly": field(BOOL, "Must be false: VM volumes are always read-write."),
        "instanceVolumeClaim": field(
            named(
                "InstanceVolumeClaimVolumeSource",
                {
                    "storageClass": field(STRING, "Storage class of the volume.", required=True),
                    "size": field(QUANTITY, "Size of the volume.", required=True),
                },
                "Instance storage: a volume copied from the class, managed by the system.",
            ),
            "Set by the system for instance storage volumes.",
        ),
    },
    "A PersistentVolumeClaim attached to the VM as a disk.",
)

VOLUME = named(
    "VirtualMachineVolume",
    {
        "name": field(STRING, "Volume name, unique in the VM.", required=True),
        "persistentVolumeClaim": field(PVC_VOLUME, "The PVC backing the volume."),
    },
    "A volume attached to the VM.",
)

TCP_SOCKET = named(
    "TCPSocketAction",
    {
        "port": field(INT_OR_STRING, "Port number or name to connect to.", required=True),
        "host": field(STRING, "Host to connect to; defaults to the VM's IP."),
    },
    "Ready when a TCP connection succeeds (deprecated).",
)

READINESS_PROBE = named(
    "VirtualMachineReadinessProbeSpec",
    {
        "tcpSocket": field(TCP_SOCKET, "Ready when a TCP connection to the VM succeeds."),
        "guestHeartbeat": field(
            named(
                "GuestHeartbeatAction",
                {
                    "thresholdStatus": field(
                        enum("yellow", "green"),
                        "Lowest heartbeat status counted as ready. Defaults to green.",
                    )
                },
                "Ready when the guest agent's heartbeat is at least the threshold.",
            ),
            "Ready when the guest agent's heartbeat is good enough.",
        ),
        "guestInfo": field(
            array(
                named(
                    "GuestInfoAction",
                    {
                        "key": field(
                            STRING, "Guest info key (guestinfo. is prepended).", required=True
                        ),
                        "value": field(STRING, "RE2 regular expression; empty matches any."),
                    },
                    "A guest info key whose value must match.",
                ),
                list_type="atomic",
            ),
            "Ready when every listed guest info key matches.",
        ),
        "timeoutSeconds": field(INT32, "Seconds before a probe times out (1-60)."),
        "periodSeconds": field(INT32, "Seconds between probes (1 or more)."),
    },
    "How VM readiness is probed; only one action may be set.",
)

ADVANCED = named(
    "VirtualMachineAdvancedSpec",
    {
        "bootDiskCapacity": field(QUANTITY, "Size of the boot disk (a multiple of 1Mi)."),
        "defaultVolumeProvisioningMode": field(
            enum(*PROVISIONING_MODES), "Provisioning mode of the VM's disks."
        ),
        "changeBlockTracking": field(BOOL, "Enables changed block tracking for backups."),
    },
    "Advanced VM settings.",
)

CDROM = named(
    "VirtualMachineCdromSpec",
    {
        "name": field(STRING, "CD-ROM name, ^[a-z0-9]{2,}$.", required=True),
        "image": field(IMAGE_REF, "An ISO-type image to insert.", required=True),
        "connected": field(BOOL, "Whether the device is connected. Defaults to true."),
        "allowGuestControl": field(
            BOOL, "Whether the guest may connect/disconnect it. Defaults to true."
        ),
    },
    "A CD-ROM device backed by an ISO image.",
)

AFFINITY_TERM = named(
    "VMAffinityTerm",
    {
        "labelSelector": field(
            schema_for(META + "LabelSelector"), "Selects the VMs this term is about."
        ),
        "topologyKey": field(
            STRING, "Node label key, e.g. topology.kubernetes.io/zone.", required=True
        ),
    },
    "VMs matching labelSelector, grouped by the topology key.",
)


AFFINITY = named(
    "VirtualMachineAffinitySpec",
    {
        "vmAffinity": field(
            named(
                "VirtualMachineAffinityVMAffinitySpec",
                {
                    "requiredDuringSchedulingPreferredDuringExecution": field(
                        array(AFFINITY_TERM, list_type="atomic"), "Hard rules at placement."
                    ),
                    "preferredDuringSchedulingPreferredDuringExecution": field(
                        array(AFFINITY_TERM, list_type="atomic"), "Soft rules at placement."
                    ),
                },
                "Place with the selected VMs.",
            ),
            "Place the VM with the selected VMs.",
        ),
        "vmAntiAffinity": field(
            named(
                "VirtualMachineAntiAffinityVMAffinitySpec",
                {
                    "requiredDuringSchedulingPreferredDuringExecution": field(
                        array(AFFINITY_TERM, list_type="atomic"), "Hard rules at placement."
                    ),
                    "preferredDuringSchedulingPreferredDuringExecution": field(
                        array(AFFINITY_TERM, list_type="atomic"), "Soft rules at placement."
                    ),
                },
                "Place away from the selected VMs.",
            ),
            "Place the VM away from the selected VMs.",
        ),
    },
    "Placement rules relative to other VMs.",
)

SPEC = named(
    "VirtualMachineSpec",
    {
        "image": field(IMAGE_REF, "The image the VM is deployed from. Immutable."),
        "imageName": field(
            STRING,
            "Image by object name (vmi-...) or unique display name; spec.image is filled "
            "from it. Immutable.",
        ),
        "className": field(STRING, "Name of the VirtualMachineClass (hardware) in the namespace."),
        "storageClass": field(STRING, "Storage class of the VM's disks. Immutable."),
        "bootstrap": field(BOOTSTRAP, "How the guest is bootstrapped on first boot."),
        "network": field(NETWORK, "Network configuration."),
        "powerState": field(
            enum(*POWER_STATES), "Desired power state. Defaults to PoweredOn on create."
        ),
        "powerOffMode": field(
            enum(*POWER_OP_MODES),
            "How to power off: Hard, Soft (through the guest) or TrySoft (Soft, then Hard "
            "after 5 minutes). Defaults to TrySoft.",
        ),
        "suspendMode": field(
            enum(*POWER_OP_MODES), "How to suspend (Hard, Soft, TrySoft). Defaults to TrySoft."
        ),
        "nextRestartTime": field(
            STRING,
            'Set to "now" to restart the VM; the server records the time of the request.',
        ),
        "restartMode": field(
            enum(*POWER_OP_MODES), "How to restart (Hard, Soft, TrySoft). Defaults to TrySoft."
        ),
        "volumes": field(array(VOLUME, keys=("name",)), "Volumes attached, keyed by name."),
        "readinessProbe": field(READINESS_PROBE, "How readiness is determined."),
        "advanced": field(ADVANCED, "Advanced settings."),
        "reserved": field(
            named(
                "VirtualMachineReservedSpec",
                {"resourcePolicyName": field(STRING, "A VirtualMachineSetResourcePolicy.")},
                "Reserved for system use.",
            ),
            "Reserved for system use.",
        ),
        "minHardwareVersion": field(INT32, "Lowest virtual hardware version (13 or more)."),
        "instanceUUID": field(STRING, "Instance UUID; generated on create."),
        "biosUUID": field(STRING, "BIOS UUID; generated on create."),
        "guestID": field(STRING, "Guest OS identifier (e.g. ubuntu64Guest)."),
        "cdrom": field(array(CDROM, keys=("name",)), "CD-ROM devices, keyed by name."),
        "crypto": field(
            named(
                "VirtualMachineCryptoSpec",
                {
                    "encryptionClassName": field(STRING, "EncryptionClass of the VM."),
                    "useDefaultKeyProvider": field(
                        BOOL, "Use the default key provider. Defaults to true."
                    ),
                },
                "Encryption of the VM.",
            ),
            "Encryption settings.",
        ),
        "affinity": field(AFFINITY, "Placement rules relative to other VMs."),
        "groupName": field(STRING, "The VirtualMachineGroup the VM belongs to."),
    },
    "The desired state of a VirtualMachine.",
)

_IP_ADDRESS_STATUS = named(
    "VirtualMachineNetworkInterfaceIPAddrStatus",
    {
        "address": field(STRING, "IP address in CIDR notation."),
        "lifetime": field(TIME, "When the address expires."),
        "origin": field(STRING, "How the address was obtained (dhcp, manual, ...)."),
        "state": field(STRING, "State of the address (preferred, ...)."),
    },
    "An IP address observed on an interface.",
)

_INTERFACE_STATUS = named(
    "VirtualMachineNetworkInterfaceStatus",
    {
        "name": field(STRING, "Interface name from the spec."),
        "deviceKey": field(INT32, "Device key of the virtual NIC."),
        "ip": field(
            named(
                "VirtualMachineNetworkInterfaceIPStatus",
                {
                    "addresses": field(
                        array(_IP_ADDRESS_STATUS, list_type="atomic"), "Observed addresses."
                    ),
                    "macAddr": field(STRING, "MAC address."),
                    "autoConfigurationEnabled": field(BOOL, "IPv6 autoconfiguration."),
                    "dhcp": field(map_of(BOOL), "Whether DHCP is enabled, by family."),
                },
                "Observed IP configuration.",
            ),
            "Observed IP configuration.",
        ),
        "dns": field(map_of(STRING), "Observed DNS configuration."),
    },
    "Observed state of one interface.",
)

NETWORK_STATUS = named(
    "VirtualMachineNetworkStatus",
    {
        "config": field(
            ANY,
            "The intended network configuration.",
        ),
        "hostName": field(STRING, "Observed host name."),
        "interfaces": field(array(_INTERFACE_STATUS, list_type="atomic"), "Observed interfaces."),
        "ipStacks": field(ANY, "Observed IP stacks (dhcp, dns, routes)."),
        "primaryIP4": field(STRING, "Primary IPv4 address of the guest."),
        "primaryIP6": field(STRING, "Primary IPv6 address of the guest."),
    },
    "Observed network state.",
)

VOLUME_STATUS = named(
    "VirtualMachineVolumeStatus",
    {
        "name": field(STRING, "Volume name.", required=True),
        "type": field(enum("Classic", "Managed"), "Classic (image disk) or Managed (PVC)."),
        "attached": field(BOOL, "Whether the volume is attached."),
        "diskUUID": field(STRING, "UUID of the virtual disk."),
        "error": field(STRING, "Last attach error."),
        "limit": field(QUANTITY, "Capacity of the volume."),
        "used": field(QUANTITY, "Space used."),
        "crypto": field(ANY, "Encryption of the volume (providerID, keyID)."),
    },
    "Observed state of a volume.",
)

STATUS = named(
    "VirtualMachineStatus",
    {
        "class": field(LOCAL_OBJECT_REF, "The class that was applied."),
        "host": field(STRING, "The host the VM runs on."),
        "powerState": field(enum(*POWER_STATES), "Observed power state."),
        "conditions": conditions("Conditions of the VM (Ready, VirtualMachineCreated, ...)."),
        "crypto": field(ANY, "Observed encryption (encrypted, providerID, keyID)."),
        "network": field(NETWORK_STATUS, "Observed network state."),
        "uniqueID": field(STRING, "Identifier of the VM on its host."),
        "biosUUID": field(STRING, "Observed BIOS UUID."),
        "instanceUUID": field(STRING, "Observed instance UUID."),
        "volumes": field(array(VOLUME_STATUS, keys=("name", "type")), "Observed volumes."),
        "changeBlockTracking": field(BOOL, "Whether changed block tracking is on."),
        "zone": field(STRING, "Zone the VM is placed in."),
        "lastRestartTime": field(TIME, "When the VM was last restarted."),
        "hardwareVersion": field(INT32, "Observed virtual hardware version."),
        "storage": field(
            named(
                "VirtualMachineStorageStatus",
                {
                    "usage": field(
                        named(
                            "VirtualMachineStorageStatusUsage",
                            {
                                "total": field(QUANTITY, "Total storage counted to quota."),
                                "disks": field(QUANTITY, "Storage of the disks."),
                                "other": field(QUANTITY, "Other files (swap, logs, ...)."),
                            },
                            "Storage used.",
                        ),
                        "Storage used.",
                    )
                },
                "Observed storage use.",
            ),
            "Observed storage use.",
        ),
    },
    "The observed state of a VirtualMachine; written only by the VM runtime.",
)

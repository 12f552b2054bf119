"""The six top-level VM Service schemas, plus the class, image, service and web-console
types (VirtualMachine's own spec and status live in `schemas_vm`).

`SCHEMAS` maps each kind to its published top-level schema (apiVersion, kind, metadata,
spec, status). Status is never required and the API server keeps it apart from spec
(/status subresource). Images are read-only for users in vSphere; here their spec and
status are ordinary fields that Pacific's image library fills in.
"""

from __future__ import annotations

from pacific.api.schema import Schema, array, map_of
from pacific.api.vmservice.refs import (
    ANY,
    INT32,
    INT64,
    KEY_VALUE_PAIR,
    LOCAL_OBJECT_REF,
    QUANTITY,
    STRING,
    TIME,
    conditions,
    enum,
    field,
    named,
    object_meta,
    strings,
    type_meta,
)
from pacific.api.vmservice.schemas_vm import SPEC as VM_SPEC
from pacific.api.vmservice.schemas_vm import STATUS as VM_STATUS

SERVICE_TYPES = ("ClusterIP", "LoadBalancer", "ExternalName")
PROTOCOLS = ("TCP", "UDP", "SCTP")

_REQUESTS = named(
    "VirtualMachineResourceSpec",
    {
        "cpu": field(QUANTITY, "CPU in cores (e.g. 2000m)."),
        "memory": field(QUANTITY, "Memory (e.g. 4Gi)."),
    },
    "CPU and memory quantities.",
)

CLASS_SPEC = named(
    "VirtualMachineClassSpec",
    {
        "controllerName": field(
            STRING, "Controller that handles VMs of this class (vmoperator.vmware.com/vsphere)."
        ),
        "hardware": field(
            named(
                "VirtualMachineClassHardware",
                {
                    "cpus": field(INT64, "Number of virtual CPUs."),
                    "memory": field(QUANTITY, "Memory size, e.g. 4Gi."),
                    "devices": field(
                        named(
                            "VirtualDevices",
                            {
                                "vgpuDevices": field(
                                    array(
                                        named(
                                            "VGPUDevice",
                                            {
                                                "profileName": field(
                                                    STRING, "vGPU profile.", required=True
                                                )
                                            },
                                            "A virtual GPU.",
                                        ),
                                        keys=("profileName",),
                                    ),
                                    "Virtual GPUs, keyed by profile.",
                                ),
                                "dynamicDirectPathIODevices": field(
                                    array(
                                        named(
                                            "DynamicDirectPathIODevice",
                                            {
                                                "vendorID": field(
                                                    INT64, "PCI vendor ID.", required=True
                                                ),
                                                "deviceID": field(
                                                    INT64, "PCI device ID.", required=True
                                                ),
                                                "customLabel": field(STRING, "Device label."),
                                            },
                                            "A PCI device passed through to the VM.",
                                        ),
                                        list_type="atomic",
                                    ),
                                    "PCI passthrough devices.",
                                ),
                            },
                            "Devices of the class.",
                        ),
                        "Devices (vGPU, PCI passthrough).",
                    ),
                    "instanceStorage": field(
                        named(
                            "InstanceStorage",
                            {
                                "storageClass": field(STRING, "Storage class of the volumes."),
                                "volumes": field(
                                    array(
                                        named(
                                            "InstanceStorageVolume",
                                            {"size": field(QUANTITY, "Size.", required=True)},
                                            "One instance storage volume.",
                                        ),
                                        list_type="atomic",
                                    ),
                                    "Volumes created for every VM of the class.",
                                ),
                            },
                            "Local volumes given to every VM of the class.",
                        ),
                        "Instance storage.",
                    ),
                },
                "Virtual hardware of the class.",
            ),
            "Virtual hardware: vCPUs, memory, devices.",
        ),
        "policies": field(
            named(
                "VirtualMachineClassPolicies",
                {
                    "resources": field(
                        named(
                            "VirtualMachineClassResources",
                            {
                                "requests": field(_REQUESTS, "Reserved CPU and memory."),
                                "limits": field(_REQUESTS, "CPU and memory limits."),
                            },
                            "Reservations and limits.",
                        ),
                        "Reservations (requests) and limits of CPU and memory.",
                    )
                },
                "Resource policies.",
            ),
            "Resource policies.",
        ),
        "description": field(STRING, "Human-readable description of the class."),
        "configSpec": field(
            ANY, "A vSphere VirtualMachineConfigSpec in JSON (_typeName discriminators)."
        ),
        "reservedProfileID": field(STRING, "Reserved resource profile ID."),
        "reservedSlots": field(INT32, "Reserved slots (with reservedProfileID)."),
    },
    "The hardware and resource policy of a VirtualMachineClass.",
)

CLASS_STATUS = named(
    "VirtualMachineClassStatus", {}, "VirtualMachineClassStatus is empty in v1alpha3."
)

IMAGE_SPEC = named(
    "VirtualMachineImageSpec",
    {
        "providerRef": field(LOCAL_OBJECT_REF, "The content library item the image comes from."),
    },
    "Where the image comes from.",
)

IMAGE_STATUS = named(
    "VirtualMachineImageStatus",
    {
        "name": field(STRING, "Display name of the image."),
        "type": field(STRING, "OVF or ISO."),
        "capabilities": field(array(STRING, list_type="set"), "Capabilities (cloud-init, ...)."),
        "firmware": field(STRING, "Firmware the image expects (bios, efi)."),
        "hardwareVersion": field(INT32, "Virtual hardware version of the image."),
        "osInfo": field(
            named(
                "VirtualMachineImageOSInfo",
                {
                    "id": field(STRING, "Guest OS identifier."),
                    "type": field(STRING, "OS name."),
                    "version": field(STRING, "OS version."),
                },
                "The guest OS of the image.",
            ),
            "Guest OS of the image.",
        ),
        "productInfo": field(
            named(
                "VirtualMachineImageProductInfo",
                {
                    "product": field(STRING, "Product name."),
                    "vendor": field(STRING, "Vendor."),
                    "version": field(STRING, "Short version."),
                    "fullVersion": field(STRING, "Full version."),
                },
                "Product information of the image.",
            ),
            "Product information.",
        ),
        "ovfProperties": field(
            array(
                named(
                    "OVFProperty",
                    {
                        "key": field(STRING, "Property key.", required=True),
                        "type": field(STRING, "Property type.", required=True),
                        "default": field(STRING, "Default value."),
                    },
                    "A user-configurable OVF property.",
                ),
                keys=("key",),
            ),
            "User-configurable OVF properties.",
        ),
        "vmwareSystemProperties": field(
            array(KEY_VALUE_PAIR, keys=("key",)), "System properties of the image."
        ),
        "disks": field(
            array(
                named(
                    "VirtualMachineImageDiskInfo",
                    {
                        "capacity": field(QUANTITY, "Virtual size."),
                        "size": field(QUANTITY, "Size on disk."),
                    },
                    "A disk of the image.",
                ),
                list_type="atomic",
            ),
            "Disks of the image.",
        ),
        "providerContentVersion": field(STRING, "Content version of the provider item."),
        "providerItemID": field(STRING, "ID of the provider item."),
        "conditions": conditions("Conditions (Ready)."),
    },
    "What is known about the image.",
)

SERVICE_PORT = named(
    "VirtualMachineServicePort",
    {
        "name": field(STRING, "Port name (DNS-1123 label), unique in the service.", required=True),
        "protocol": field(enum(*PROTOCOLS), "TCP, UDP or SCTP.", required=True),
        "port": field(INT32, "Port exposed by the service.", required=True),
        "targetPort": field(INT32, "Port on the VMs.", required=True),
    },
    "A port of a VirtualMachineService.",
)

SERVICE_SPEC = named(
    "VirtualMachineServiceSpec",
    {
        "type": field(
            enum(*SERVICE_TYPES), "ClusterIP, LoadBalancer or ExternalName.", required=True
        ),
        "ports": field(array(SERVICE_PORT, list_type="atomic"), "Ports exposed."),
        "selector": field(map_of(STRING), "Labels of the VMs traffic is sent to."),
        "loadBalancerIP": field(STRING, "Requested load balancer IP (deprecated)."),
        "loadBalancerSourceRanges": strings("Client CIDRs allowed (LoadBalancer only)."),
        "clusterIp": field(STRING, 'Cluster IP: "", "None" (headless) or an IP. Immutable.'),
        "externalName": field(STRING, "DNS name returned for ExternalName services."),
    },
    "How VMs are exposed.",
)

SERVICE_STATUS = named(
    "VirtualMachineServiceStatus",
    {
        "loadBalancer": field(
            named(
                "LoadBalancerStatus",
                {
                    "ingress": field(
                        array(
                            named(
                                "LoadBalancerIngress",
                                {
                                    "ip": field(STRING, "IP of the load balancer."),
                                    "hostname": field(STRING, "Host name of the load balancer."),
                                },
                                "An ingress point of the load balancer.",
                            ),
                            list_type="atomic",
                        ),
                        "Ingress points.",
                    )
                },
                "The load balancer of the service.",
            ),
            "Status of the load balancer.",
        )
    },
    "Observed state of the service.",
)

WEBCONSOLE_SPEC = named(
    "VirtualMachineWebConsoleRequestSpec",
    {
        "name": field(STRING, "Name of the VM in the same namespace. Immutable.", required=True),
        "publicKey": field(
            STRING,
            "PEM-encoded RSA public key (PKCS#1) the response is encrypted to. Immutable.",
            required=True,
        ),
    },
    "Which VM's console is requested, and the key to encrypt the answer to.",
)

WEBCONSOLE_STATUS = named(
    "VirtualMachineWebConsoleRequestStatus",
    {
        "response": field(STRING, "The console URL, RSA-OAEP encrypted and base64-encoded."),
        "expiryTime": field(TIME, "When the request expires and is deleted."),
        "proxyAddr": field(STRING, "Address of the proxy that serves the console."),
    },
    "The answer to a web console request.",
)


def _top(kind: str, description: str, spec: Schema, status: Schema) -> Schema:
    return named(
        kind,
        {
            **type_meta(),
            "metadata": object_meta(),
            "spec": field(spec, f"The desired state of the {kind}."),
            "status": field(status, f"The observed state of the {kind}."),
        },
        description,
    )


SCHEMAS: dict[str, Schema] = {
    "VirtualMachine": _top(
        "VirtualMachine",
        "A virtual machine: desired state in spec, observed state in status.",
        VM_SPEC,
        VM_STATUS,
    ),
    "VirtualMachineClass": _top(
        "VirtualMachineClass",
        "A size of virtual machine: vCPUs, memory and their reservations.",
        CLASS_SPEC,
        CLASS_STATUS,
    ),
    "VirtualMachineImage": _top(
        "VirtualMachineImage",
        "A VM image available in one namespace.",
        IMAGE_SPEC,
        IMAGE_STATUS,
    ),
    "ClusterVirtualMachineImage": _top(
        "ClusterVirtualMachineImage",
        "A VM image available in every namespace.",
        IMAGE_SPEC,
        IMAGE_STATUS,
    ),
    "VirtualMachineService": _top(
        "VirtualMachineService",
        "Exposes VMs selected by labels through a Service.",
        SERVICE_SPEC,
        SERVICE_STATUS,
    ),
    "VirtualMachineWebConsoleRequest": _top(
        "VirtualMachineWebConsoleRequest",
        "A one-time request for a VM's web console URL.",
        WEBCONSOLE_SPEC,
        WEBCONSOLE_STATUS,
    ),
}

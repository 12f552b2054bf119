"""The VM Service API: group `vmoperator.vmware.com`, version `v1alpha3`.

Pacific serves the six kinds of vSphere Supervisor's VM Service API so that manifests
written for vSphere apply unchanged: VirtualMachine, VirtualMachineClass,
VirtualMachineImage, ClusterVirtualMachineImage, VirtualMachineService and
VirtualMachineWebConsoleRequest. The public vm-operator project's `api/v1alpha3` types are
the reference for every field name and meaning.

Modules:
- `refs`: shared types (object references, secret selectors) and the field helper;
- `schemas_bootstrap`, `schemas_vm`, `schemas`: the structural schemas, one source per kind;
- `kinds`: the ResourceTypes (short names, categories, scope, /status, printer columns);
- `defaults`: CRD schema defaults (applied on every write, idempotent) and the mutating
  webhook's create/update defaults (`mutate_vm`);
- `structural`: required fields and enumerations, checked the way a CRD schema checks them;
- `validation`, `validation_vm`: the validating webhooks' rules, worded as vm-operator's;
- `images`: how `spec.imageName` resolves to an image (pure; the apiserver supplies the
  images it read).
"""

GROUP = "vmoperator.vmware.com"
VERSION = "v1alpha3"
API_VERSION = f"{GROUP}/{VERSION}"

"""Schemas of `VirtualMachine.spec.bootstrap`: Cloud-Init, LinuxPrep, Sysprep, vApp config.

The inline cloud-config is vm-operator's typed subset of cloud-init's (field names follow
cloud-init, hence the snake_case): users, write_files, runcmd and a few top-level keys.
Passwords are Secret key selectors, never literals. `runcmd` entries are a string or a list
of strings, and a file's `content` is a string or a Secret key selector, so both are
schemaless here, as in the CRD. Anything beyond the subset goes in `rawCloudConfig`.

Which providers may be combined is a webhook rule (`validation_vm`), not a schema rule.
"""

from __future__ import annotations

from pacific.api.schema import array
from pacific.api.vmservice.refs import (
    ANY,
    BOOL,
    INT32,
    KEY_VALUE_OR_SECRET_KEY_SELECTOR_PAIR,
    SECRET_KEY_SELECTOR,
    STRING,
    enum,
    field,
    named,
    strings,
)

FILE_ENCODINGS = (
    "b64",
    "base64",
    "gz",
    "gzip",
    "gz+b64",
    "gz+base64",
    "gzip+b64",
    "gzip+base64",
    "text/plain",
)

CLOUD_CONFIG_USER = named(
    "CloudConfigUser",
    {
        "name": field(STRING, "The user's login name.", required=True),
        "create_groups": field(BOOL, "Whether to create the groups listed in groups."),
        "expiredate": field(STRING, "Date the account expires, YYYY-MM-DD."),
        "gecos": field(STRING, "The user's real name or comment."),
        "groups": strings("Supplementary groups the user is added to (a list)."),
        "hashed_passwd": field(
            SECRET_KEY_SELECTOR, "A Secret key holding the user's hashed password."
        ),
        "homedir": field(STRING, "Home directory; defaults to /home/<name>."),
        "inactive": field(STRING, "Days after expiry until the account is disabled."),
        "lock_passwd": field(BOOL, "Disables password login for the user (default true)."),
        "no_create_home": field(BOOL, "Do not create the home directory."),
        "no_log_init": field(BOOL, "Do not add the user to lastlog and faillog."),
        "no_user_group": field(BOOL, "Do not create a group named after the user."),
        "passwd": field(SECRET_KEY_SELECTOR, "A Secret key holding the user's password hash."),
        "primary_group": field(STRING, "The user's primary group."),
        "selinux_user": field(STRING, "SELinux user for the account."),
        "shell": field(STRING, "Login shell, e.g. /bin/bash."),
        "snapuser": field(STRING, "Ubuntu SSO email used to create a snap user."),
        "ssh_authorized_keys": strings("Public SSH keys allowed to log in as the user."),
        "ssh_import_id": strings("IDs (gh:user, lp:user) whose keys are imported."),
        "ssh_redirect_user": field(BOOL, "Redirects SSH logins to the default user."),
        "sudo": field(STRING, "A sudoers rule for the user, e.g. ALL=(ALL) NOPASSWD:ALL."),
        "system": field(BOOL, "Creates a system account (no home directory)."),
        "uid": field(INT32, "The user's numeric ID."),
    },
    "A user cloud-init creates (the users module).",
)

CLOUD_CONFIG_WRITE_FILE = named(
    "CloudConfigWriteFile",
    {
        "path": field(STRING, "Absolute path of the file in the guest.", required=True),
        "append": field(BOOL, "Appends to the file instead of replacing it."),
        "content": field(
            ANY,
            "The file's content: a string, or a Secret key selector ({name, key}).",
        ),
        "defer": field(BOOL, "Writes the file in the final stage, after users exist."),
        "encoding": field(enum(*FILE_ENCODINGS), "How content is encoded. Defaults to text/plain."),
        "owner": field(STRING, "Owner as user:group. Defaults to root:root."),
        "permissions": field(STRING, 'Octal mode as a string. Defaults to "0644".'),
    },
    "A file cloud-init writes (the write_files module).",
)

CLOUD_CONFIG = named(
    "CloudConfig",
    {
        "defaultUserEnabled": field(
            BOOL,
            "Keeps the image's default user in addition to users (replaces cloud-init's "
            '"- default" entry, which users may not contain).',
        ),
        "runcmd": field(
            ANY,
            "Commands run on first boot, in order; each is a string (run by sh) or a list "
            "of strings (an argv).",
        ),
        "ssh_pwauth": field(BOOL, "Enables SSH password authentication."),
        "timezone": field(STRING, "Time zone of the guest, e.g. Etc/UTC."),
        "users": field(array(CLOUD_CONFIG_USER, keys=("name",)), "Users to create, keyed by name."),
        "write_files": field(
            array(CLOUD_CONFIG_WRITE_FILE, keys=("path",)), "Files to write, keyed by path."
        ),
    },
    "The typed subset of cloud-init's cloud-config that can be given inline.",
)

CLOUD_INIT = named(
    "VirtualMachineBootstrapCloudInitSpec",
    {
        "instanceID": field(
            STRING,
            "The cloud-init instance ID; a new value makes cloud-init run again. Defaults "
            "to spec.biosUUID.",
        ),
        "cloudConfig": field(
            CLOUD_CONFIG,
            "Inline cloud-config. Mutually exclusive with rawCloudConfig.",
        ),
        "rawCloudConfig": field(
            SECRET_KEY_SELECTOR,
            "A Secret key holding the cloud-config (plain, base64 or gzip+base64). "
            "Mutually exclusive with cloudConfig.",
        ),
        "sshAuthorizedKeys": strings("SSH public keys for the image's default user."),
        "useGlobalNameserversAsDefault": field(
            BOOL,
            "Uses spec.network.nameservers for interfaces without their own. Unset means true.",
        ),
        "useGlobalSearchDomainsAsDefault": field(
            BOOL,
            "Uses spec.network.searchDomains for interfaces without their own. Unset means true.",
        ),
    },
    "Bootstraps the guest with Cloud-Init (Linux, or Windows with Cloudbase-Init).",
)

LINUX_PREP = named(
    "VirtualMachineBootstrapLinuxPrepSpec",
    {
        "hardwareClockIsUTC": field(BOOL, "Whether the hardware clock runs in UTC."),
        "timeZone": field(STRING, "Time zone name, e.g. Europe/Sofia."),
    },
    "Guest OS customization for Linux guests.",
)

SYSPREP_USER_DATA = named(
    "SysprepUserData",
    {
        "fullName": field(STRING, "The user's full name.", required=True),
        "orgName": field(STRING, "The organization's name.", required=True),
        "productID": field(
            SECRET_KEY_SELECTOR, "A Secret key holding the Windows product key (product_id)."
        ),
    },
    "Windows registration data.",
)

SYSPREP_GUI_UNATTENDED = named(
    "SysprepGUIUnattended",
    {
        "autoLogon": field(BOOL, "Logs in as Administrator automatically."),
        "autoLogonCount": field(INT32, "How many times to log in automatically."),
        "password": field(
            SECRET_KEY_SELECTOR, "A Secret key holding the Administrator password (password)."
        ),
        "timeZone": field(INT32, "Windows time zone index. Defaults to 85 (GMT)."),
    },
    "The GuiUnattended section of the unattend answer file.",
)

SYSPREP_GUI_RUN_ONCE = named(
    "SysprepGUIRunOnce",
    {"commands": strings("Commands run once at the first user login.")},
    "Commands run at the first login.",
)

SYSPREP_IDENTIFICATION = named(
    "SysprepIdentification",
    {
        "domainAdmin": field(STRING, "Account allowed to join the domain."),
        "domainAdminPassword": field(
            SECRET_KEY_SELECTOR, "A Secret key holding its password (domain_admin_password)."
        ),
        "domainOU": field(STRING, "Organizational unit the computer account is created in."),
        "joinWorkgroup": field(STRING, "Workgroup to join instead of a domain."),
    },
    "How the guest joins a workgroup or domain.",
)

SYSPREP_LICENSE = named(
    "SysprepLicenseFilePrintData",
    {
        "autoMode": field(
            enum("perSeat", "perServer"), "Windows Server licensing mode.", required=True
        ),
        "autoUsers": field(INT32, "Client licenses (perServer mode)."),
    },
    "Windows Server licensing.",
)

SYSPREP = named(
    "Sysprep",
    {
        "guiRunOnce": field(SYSPREP_GUI_RUN_ONCE, "Commands run at the first login."),
        "guiUnattended": field(SYSPREP_GUI_UNATTENDED, "Administrator logon and time zone."),
        "identification": field(SYSPREP_IDENTIFICATION, "Workgroup or domain membership."),
        "licenseFilePrintData": field(SYSPREP_LICENSE, "Windows Server licensing."),
        "userData": field(SYSPREP_USER_DATA, "Registration data.", required=True),
    },
    "An inline Sysprep answer file.",
)

SYSPREP_SPEC = named(
    "VirtualMachineBootstrapSysprepSpec",
    {
        "sysprep": field(SYSPREP, "Inline answer file. Mutually exclusive with rawSysprep."),
        "rawSysprep": field(
            SECRET_KEY_SELECTOR,
            "A Secret key holding an unattend XML answer file. Mutually exclusive with sysprep.",
        ),
    },
    "Bootstraps a Windows guest with Sysprep.",
)

VAPP_CONFIG = named(
    "VirtualMachineBootstrapVAppConfigSpec",
    {
        "properties": field(
            array(KEY_VALUE_OR_SECRET_KEY_SELECTOR_PAIR, keys=("key",)),
            "vApp properties, keyed by key; values may be Go templates. Mutually exclusive "
            "with rawProperties.",
        ),
        "rawProperties": field(
            STRING,
            "Name of a Secret whose every key/value becomes a vApp property. Mutually "
            "exclusive with properties.",
        ),
    },
    "vApp (OVF environment) properties for the guest.",
)

BOOTSTRAP = named(
    "VirtualMachineBootstrapSpec",
    {
        "cloudInit": field(CLOUD_INIT, "Cloud-Init; may not be combined with any other."),
        "linuxPrep": field(LINUX_PREP, "LinuxPrep; may be combined with vAppConfig."),
        "sysprep": field(SYSPREP_SPEC, "Sysprep; may be combined with vAppConfig."),
        "vAppConfig": field(VAPP_CONFIG, "vApp properties; with LinuxPrep or Sysprep."),
    },
    "How the guest is bootstrapped on first boot. CloudInit is used alone; LinuxPrep and "
    "Sysprep exclude each other and may be combined with vAppConfig.",
)

"""Blind corpus #7, read-only forms of less common tools (policy-reads pass).

Each table holds the read-only forms of one class that this pass allows *and* the neighbours
that must keep asking or stay blocked: a write option, an option that runs code, a verb that
changes state. The `# new` cases asked before this pass; the others pin what already held.
Written from each tool's manual, not copied from a corpus.
"""

from __future__ import annotations

import pytest
from tests.policy.conftest import Case, misjudged

from shturman.policy import Policy

# ---- archive listers: list or print members, never extract or create -------------------------
ARCHIVES: list[Case] = [
    ("ar t /usr/lib/x86_64-linux-gnu/libm.a", "allow", None),  # new
    ("ar tv /usr/lib/libz.a", "allow", None),  # new
    ("ar p /var/cache/apt/archives/curl.deb control.tar.xz | tar -tJ", "allow", None),  # new
    ("ar x /var/cache/apt/archives/curl.deb", "confirm", "grammar.writes_file"),
    ("ar rcs /usr/lib/libz.a z.o", "confirm", "grammar.writes_file"),
    ("ar d /usr/lib/libz.a z.o", "confirm", "grammar.writes_file"),
    ("ar t @/tmp/args", "confirm", "grammar.operand"),  # a response file holds the key letters
    ("ar --plugin /tmp/p.so t /usr/lib/libz.a", "confirm", "grammar.runs_code"),
    ("cpio -itv < /boot/initrd.cpio", "allow", None),  # new
    ("cpio -t < /tmp/a.cpio", "allow", None),  # new
    ("cpio -idv < /tmp/a.cpio", "confirm", "grammar.writes_file"),
    ("cpio -i < /tmp/a.cpio", "confirm", None),  # extraction: `-t` is required
    ("cpio -it -F backup:/a.cpio", "confirm", "grammar.runs_code"),  # a remote archive: rsh
    ("cpio -o > /tmp/a.cpio", "confirm", None),
    ("cpio -it --rsh-command=/bin/sh -F h:/a", "block", None),
    ("lsinitramfs /boot/initrd.img-6.1.0-18-amd64", "allow", None),  # new
    ("lsinitramfs -l /boot/initrd.img", "allow", None),  # new
    ("7z t /srv/backup/site.7z", "allow", None),  # new
    ("7z l /srv/backup/site.7z", "allow", None),
    ("7z x /srv/backup/site.7z", "confirm", None),
    ("7z t -o/tmp /srv/backup/site.7z", "confirm", None),
    ("7z a /tmp/etc.7z /etc", "confirm", None),
    ("unzip -p /tmp/release.zip CHANGELOG.md", "allow", None),  # new
    ("unzip -l /tmp/release.zip", "allow", None),
    ("unzip -p /tmp/release.zip -d /srv", "confirm", "grammar.writes_file"),
    ("unzip -o /tmp/release.zip", "confirm", None),
    ("tar -I zstd -tf /var/backups/db.tar.zst", "allow", None),  # new
    ("tar -I xz -tvf /var/backups/etc.tar.xz", "allow", None),  # new
    ("tar -tf /tmp/a.tar -I ./unpack", "confirm", "grammar.bad_value"),  # not a decompressor
    ("tar -I 'zstd -d' -tf /tmp/a.tar.zst", "confirm", None),
    ("tar -I sh -tf /tmp/a.tar", "block", "code.exec_options"),
    ("tar -I zstd -xf /var/backups/db.tar.zst", "confirm", None),
    ("tar -I zstd -cf /tmp/etc.tar.zst /etc", "confirm", None),
]

# ---- interpreters: versions, configuration and syntax checks that run nothing -----------------
INTERPRETERS: list[Case] = [
    ("perl -V", "allow", None),  # new
    ("perl -e 'print 1'", "confirm", None),
    ("perl -c /srv/app/x.pl", "confirm", None),  # BEGIN blocks run
    ("perldoc -f open", "allow", None),  # new
    ("perldoc -q regex", "allow", None),  # new
    ("perldoc -M Pod::Evil open", "confirm", "grammar.runs_code"),
    ("perldoc -o man -f open", "confirm", "grammar.runs_code"),
    ("perldoc -d /tmp/out.txt open", "confirm", "grammar.writes_file"),
    ("php --ini", "allow", None),  # new
    ("php -v", "allow", None),
    ("php -i", "confirm", "grammar.secret_output"),  # phpinfo prints the environment
    ("php -S 0.0.0.0:8000", "confirm", None),
    ("php -r 'system(\"id\");'", "confirm", None),
    ("lua -v", "allow", None),  # new
    ("lua -v /tmp/x.lua", "confirm", None),
    ("lua -e 'os.execute(\"id\")'", "confirm", None),
    ("luac -p /etc/haproxy/lua/auth.lua", "allow", None),  # new
    ("luac -p -l /etc/haproxy/lua/auth.lua", "allow", None),  # new
    ("luac /etc/haproxy/lua/auth.lua", "confirm", "grammar.writes_file"),  # writes luac.out
    ("luac -o /tmp/a.out -p a.lua", "confirm", "grammar.writes_file"),
    ("mawk -W version", "allow", None),  # new
    ("mawk -W usage", "allow", None),  # new
    ("mawk -W exec /tmp/prog.awk", "confirm", "grammar.bad_value"),
    ("gawk -W version", "confirm", None),  # gawk's -W takes its long options
]

# ---- a pager's `+` command: movements only ----------------------------------------------------
PAGER: list[Case] = [
    ("less +G /var/log/nginx/error.log", "allow", None),  # new
    ("less +g /var/log/syslog", "allow", None),  # new
    ("less +250 /var/log/syslog", "allow", None),  # new
    ("less +F /var/log/syslog", "confirm", "grammar.operand"),  # follows: never ends
    ("less '+!id' /var/log/syslog", "confirm", None),
    ("less +Gq /var/log/syslog", "confirm", "grammar.operand"),
    ("less +25x /var/log/syslog", "confirm", "grammar.operand"),
    ("less ++G /var/log/syslog", "confirm", "grammar.operand"),
    ("less +/error /var/log/syslog", "confirm", "grammar.operand"),
    ("man -P cat ls", "confirm", None),  # a pager is a command line
]

# ---- disks and kernel: the reading and dry-run forms ------------------------------------------
DISKS_KERNEL: list[Case] = [
    ("dd if=/dev/sda of=/dev/null bs=1M count=1024 iflag=direct", "allow", None),  # new
    ("dd if=/dev/nvme0n1 of=/dev/null bs=4M status=progress", "allow", None),  # new
    ("dd if=/dev/sda of=/tmp/sda.img bs=1M", "confirm", None),
    ("dd if=/dev/sda of=/dev/null conv=notrunc", "confirm", "grammar.operand"),
    ("dd if=/dev/zero of=/dev/sda bs=1M", "block", None),
    ("dd if=/dev/sda bs=512 count=1", "block", "secrets.raw_device"),
    ("dd if=/etc/shadow", "block", None),
    ("sgdisk -p /dev/sda", "allow", None),  # new
    ("sgdisk -v /dev/sda", "allow", None),  # new
    ("sgdisk -Z /dev/sda", "block", None),
    ("sgdisk -n 1:0:0 /dev/sdb", "block", None),
    ("sgdisk -b /tmp/table.bak /dev/sda", "confirm", None),
    ("badblocks -sv /dev/sdc", "allow", None),  # new
    ("badblocks -wsv /dev/sdc", "confirm", "grammar.changes_state"),
    ("badblocks -nsv /dev/sdc", "confirm", "grammar.changes_state"),
    ("badblocks -o /tmp/bad.txt /dev/sdc", "confirm", "grammar.writes_file"),
    ("modprobe -n -v nf_conntrack", "allow", None),  # new
    ("modprobe -c | grep -i blacklist", "allow", None),  # new
    ("modprobe --show-depends ext4", "allow", None),  # new
    ("modprobe nf_conntrack", "confirm", None),
    ("modprobe -r nf_conntrack", "confirm", None),
    ("modprobe -n -r nf_conntrack", "confirm", None),
    ("modprobe -n -C /tmp/conf.d nf_conntrack", "block", "kernel.module_from_writable"),
    ("modprobe -n -C /etc/modprobe.d nf_conntrack", "confirm", "grammar.runs_code"),
]

# ---- schedulers and accounts: queries only ----------------------------------------------------
QUERIES: list[Case] = [
    ("chrt -p 1234", "allow", None),  # new
    ("chrt -m", "allow", None),  # new
    ("chrt -p 10 1234", "confirm", None),  # a new priority
    ("chrt -f -p 10 1234", "confirm", None),
    ("chrt -b -p 0 4321", "confirm", None),
    ("chrt -f 99 sh -c 'while :; do :; done'", "block", None),
    ("taskset -p 1234", "allow", None),  # new
    ("taskset -cp 1234", "allow", None),  # new
    ("taskset -p 3 1234", "confirm", None),  # a new mask
    ("taskset -cp 0,1 4321", "confirm", None),
    ("taskset -c 0 rm -rf /", "block", None),
    ("taskset -c 0 cat /etc/shadow", "block", None),
    ("pwck -r", "allow", None),  # new
    ("grpck -r", "allow", None),  # new
    ("pwck", "confirm", None),  # may prompt and fix
    ("pwck -s", "confirm", None),
    ("grpck", "confirm", None),
    ("faillock --user alice", "allow", None),  # new
    ("faillock", "allow", None),  # new
    ("faillock --user alice --reset", "confirm", "grammar.changes_state"),
    ("semanage port -l", "allow", None),  # new
    ("semanage boolean -l -C", "allow", None),  # new
    ("semanage port -a -t http_port_t -p tcp 8081", "confirm", None),
    ("semanage boolean -m --on httpd_can_network_connect", "confirm", None),
    ("aureport --auth --summary", "allow", None),  # new
    ("aureport --failed --login", "allow", None),  # new
    ("aureport -au", "allow", None),
    ("busybox --list", "allow", None),  # new
    ("busybox df -h", "allow", None),
    ("busybox --install -s /usr/local/bin", "confirm", None),
    ("busybox rm -rf /", "block", None),
    ("busybox sh -c 'rm -rf /'", "block", None),
    ("toybox ps -A", "allow", None),  # new
    ("toybox rm -rf /tmp/x", "confirm", None),
    ("toybox sh -c id", "confirm", None),
    ("bat --plain /etc/ssh/ssh_host_ed25519_key.pub", "allow", None),  # new
    ("bat --pager 'sh -c id' /etc/hosts", "confirm", "grammar.runs_code"),
    ("bat cache --build", "confirm", None),
    ("bat /etc/shadow", "block", None),
]

# ---- clusters and clouds: read verbs ----------------------------------------------------------
CLOUD: list[Case] = [
    ("etcdctl alarm list", "allow", None),  # new
    ("etcdctl alarm disarm", "confirm", "grammar.changes_state"),
    ("consul catalog services", "allow", None),  # new
    ("consul catalog nodes -detailed", "allow", None),  # new
    ("consul operator raft list-peers", "allow", None),  # new
    ("consul catalog deregister -id=web1", "confirm", None),
    ("consul operator raft remove-peer -id=abc", "confirm", "grammar.changes_state"),
    ("consul operator keyring -list", "confirm", None),
    ("nomad status", "allow", None),  # new
    ("nomad job status web", "allow", None),  # new
    ("nomad node status -verbose", "allow", None),  # new
    ("nomad job run web.nomad", "confirm", "grammar.changes_state"),
    ("nomad job stop web", "confirm", None),
    ("nomad alloc exec 1a2b sh", "confirm", "grammar.runs_code"),
    ("nomad job inspect web", "confirm", "grammar.secret_output"),
    ("aws configure list", "allow", None),  # new
    ("aws configure set region eu-west-1", "confirm", "grammar.changes_state"),
    ("aws configure get aws_secret_access_key", "block", None),
    ("aws logs tail /aws/lambda/api --since 1h", "allow", None),  # new
    ("aws logs describe-log-groups", "allow", None),
    ("aws logs tail /aws/lambda/api --follow", "confirm", "grammar.unbounded"),
    ("aws logs put-retention-policy --log-group-name x --retention-in-days 1", "confirm", None),
    ("aws logs delete-log-group --log-group-name x", "confirm", None),
    ("gcloud logging read 'severity>=ERROR' --limit=20 --freshness=1h", "allow", None),  # new
    ("gcloud logging logs list", "allow", None),  # new
    ("gcloud logging write app hello", "confirm", None),
    ("gcloud logging logs delete app", "confirm", None),
    ("doctl compute droplet list --format ID,Name,Status", "allow", None),  # new
    ("doctl account get", "allow", None),  # new
    ("doctl compute droplet delete 123", "confirm", None),
    ("doctl compute droplet create web --size s-1vcpu-1gb", "confirm", None),
    ("doctl databases list", "confirm", "grammar.secret_output"),  # URIs carry passwords
    ("doctl kubernetes cluster kubeconfig show prod", "block", None),
    ("ansible-inventory --graph", "allow", None),  # new
    ("ansible-inventory -i /etc/ansible/hosts --list", "allow", None),  # new
    ("ansible-inventory -i inventory/prod --graph", "confirm", "grammar.config_source"),
    ("ansible-inventory --list --output /tmp/inv.json", "confirm", "grammar.writes_file"),
    ("ansible all -m ping", "confirm", None),  # runs a module on every host it names
    ("ansible all -a 'rm -rf /tmp/x'", "confirm", None),
    ("rclone listremotes", "allow", None),  # new
    # seventh pass: it prints every remote's keys and tokens; four blind authors label it block
    ("rclone config show", "block", "secrets.store_readout"),
    ("rclone listremotes --config /tmp/other.conf", "confirm", "grammar.runs_code"),
    ("rclone sync /srv remote:backup", "block", None),
]

# ---- D-Bus: methods that only read, on destinations that are always running ------------------
DBUS: list[Case] = [
    ("dbus-send --system --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus"
     " org.freedesktop.DBus.ListNames", "allow", None),  # new
    ("dbus-send --system --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1"
     " org.freedesktop.DBus.Properties.Get string:org.freedesktop.systemd1.Manager"
     " string:Version", "allow", None),  # new
    ("dbus-send --system --print-reply --dest=org.freedesktop.systemd1 /org/freedesktop/systemd1"
     " org.freedesktop.systemd1.Manager.StartUnit string:nginx.service string:replace",
     "confirm", None),
    ("dbus-send --system --print-reply --dest=org.freedesktop.login1 /org/freedesktop/login1"
     " org.freedesktop.login1.Manager.Reboot boolean:false", "confirm", None),
    ("dbus-send --address=unixexec:path=/bin/sh --print-reply --dest=org.freedesktop.DBus"
     " /org/freedesktop/DBus org.freedesktop.DBus.ListNames", "confirm", None),
    ("dbus-send --system --type=signal / org.freedesktop.DBus.ListNames", "confirm", None),
    ("dbus-send --system --print-reply --dest=org.example.Activatable /"
     " org.freedesktop.DBus.Peer.Ping", "confirm", None),  # activation starts a service
]

# ---- the environment that configures these tools: a person decides ---------------------------
TOOL_ENV: list[Case] = [
    ("PHPRC=/tmp php --ini", "confirm", "shell.hijack_env"),  # an ini loads extensions
    ("PHP_INI_SCAN_DIR=/tmp php --ini", "confirm", "shell.hijack_env"),
    ("export PHPRC=/tmp; php --ini", "confirm", "shell.hijack_env"),
    ("PERLDOC_PAGER='sh -c id' perldoc -f open", "confirm", "shell.hijack_env"),
    ("PERL5LIB=/tmp perldoc -f open", "confirm", "shell.hijack_env"),
    ("BAT_PAGER='sh -c id' bat /etc/hosts", "confirm", "shell.hijack_env"),
    ("ANSIBLE_CONFIG=/tmp/a.cfg ansible-inventory --graph", "confirm", "shell.hijack_env"),
    ("RCLONE_CONFIG=/tmp/r.conf rclone listremotes", "confirm", "shell.hijack_env"),
    ("MODPROBE_OPTIONS=-r modprobe -c", "confirm", "shell.hijack_env"),
    ("LUA_INIT='os.execute(\"id\")' lua -v", "confirm", "shell.hijack_env"),
    ("LESSOPEN='|id' less +G /var/log/syslog", "confirm", "shell.hijack_env"),
]

# ---- decisions this pass keeps -----------------------------------------------------------------
KEPT: list[Case] = [
    ("GIT_PAGER=cat git log --oneline -5", "confirm", None),
    ("rsync -avn /etc/nginx/ /var/backups/nginx/", "confirm", None),
    ("wipefs --no-act --all /dev/sdb", "confirm", None),
    ("node --check /srv/app/server.js", "confirm", None),
    ("php -l /var/www/html/index.php", "confirm", None),
]


@pytest.mark.parametrize(
    "table",
    [ARCHIVES, INTERPRETERS, PAGER, DISKS_KERNEL, QUERIES, CLOUD, DBUS, TOOL_ENV, KEPT],
    ids=["archives", "interpreters", "pager", "disks_kernel", "queries", "cloud", "dbus",
         "tool_env", "kept"],
)
def test_class(policy: Policy, table: list[Case]) -> None:
    wrong = misjudged(policy, table)
    assert not wrong, wrong

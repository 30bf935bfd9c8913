"""Service names: a known vocabulary (with Russian spellings) plus the inventory's own services.

`nginx`, "нжинкс", "энджинкс", "nginx'а" → `nginx`; "постгреса" → `postgresql`; an inventory
service such as `grok-voice` is recognised as typed ("grok voice", "grokvoice", one typo).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from shturman.agent.intents.lexicon import STOPWORDS, Concept, vocabulary
from shturman.agent.intents.matching import Vocabulary, WordPattern, allowed_typos, words
from shturman.agent.intents.reading import Reading
from shturman.agent.intents.text import Kind, Script
from shturman.domain.models import Server

# canonical unit name: other names and spellings (Cyrillic ones also match with case endings)
KNOWN_SERVICES: dict[str, str] = {
    "nginx": "nginx.service нжинкс нжинкc нжинх энджинкс енджинкс энжинкс нгинкс нгинх "
    "нгиникс нджинкс энджин-икс engine-x нгинс нжинс engine+x энджин+икс",
    "apache2": "apache apache2 httpd апач апачи апаче апачик апач2",
    "postgresql": "postgres postgresql postgre pg постгрес постгре постгрескл постгресс постгря "
    "постгри пострес постгрескуэль постгрес-сервер",
    "mysql": "mysql mysqld mysql-server мускул мускуль мускл майскл майсикл мисикл мыскл",
    "mariadb": "mariadb мариадб мария-дб",
    "redis": "redis redis-server редис рэдис редиска",
    "docker": "docker dockerd докер доккер",
    "ssh": "ssh sshd openssh openssh-server ссх ссш",
    "cron": "cron crond cronie крон",
    "mongodb": "mongodb mongod mongo монго монгодб монга",
    "rabbitmq-server": "rabbitmq rabbit rabbitmq-server рэббит реббит кролик",
    "elasticsearch": "elasticsearch elastic эластик эластиксерч",
    "memcached": "memcached memcache мемкеш мемкэш",
    "haproxy": "haproxy хапрокси",
    "caddy": "caddy кадди",
    "traefik": "traefik трефик траефик",
    "varnish": "varnish",
    "pgbouncer": "pgbouncer",
    "clickhouse-server": "clickhouse clickhouse-server кликхаус",
    "cassandra": "cassandra кассандра",
    "etcd": "etcd",
    "kubelet": "kubelet кубелет",
    "k3s": "k3s",
    "fail2ban": "fail2ban фейлтубан",
    "rsyslog": "rsyslog",
    "vsftpd": "vsftpd",
    "exim4": "exim exim4",
    "dovecot": "dovecot довкот",
    "postfix": "postfix постфикс",
    "php-fpm": "php-fpm phpfpm пхп-фпм",
    "gunicorn": "gunicorn гуникорн",
    "uwsgi": "uwsgi",
    "supervisor": "supervisor supervisord супервизор",
    "celery": "celery селери",
    "jenkins": "jenkins дженкинс",
    "gitlab-runner": "gitlab-runner",
    "grafana": "grafana grafana-server графана",
    "prometheus": "prometheus прометеус прометей",
    "alertmanager": "alertmanager",
    "node_exporter": "node_exporter node-exporter",
    "loki": "loki",
    "promtail": "promtail",
    "influxdb": "influxdb influx",
    "telegraf": "telegraf",
    "kafka": "kafka кафка",
    "zookeeper": "zookeeper",
    "minio": "minio минио",
    "openvpn": "openvpn опенвпн",
    "wireguard": "wireguard вайргард",
    "zabbix-agent": "zabbix zabbix-agent заббикс",
    "netdata": "netdata",
    "tomcat": "tomcat томкат",
    "squid": "squid",
    "keepalived": "keepalived",
    "bind9": "bind9",
    "ufw": "ufw",
    "chrony": "chrony chronyd",
    "ntp": "ntp ntpd",
    "containerd": "containerd",
    "kibana": "kibana кибана",
    "logstash": "logstash",
    "nfs-server": "nfs-server",
    "smbd": "smbd samba самба",
    "lighttpd": "lighttpd",
    "consul": "consul",
    "openresty": "openresty",
    "dnsmasq": "dnsmasq",
    "unbound": "unbound",
    "pm2": "pm2",
    "auditd": "auditd",
}
# Other distributions' unit names for the same service: `ssh` is Debian's unit, `sshd` Red Hat's
# (and an alias on Debian only while ssh.service is enabled). A user who types one of these
# names the unit their server has, so it is kept (see `unit_name`).
DISTRO_UNITS: dict[str, frozenset[str]] = {
    canonical_name: frozenset(names.split())
    for canonical_name, names in {
        "ssh": "sshd",
        "apache2": "httpd",
        "cron": "crond cronie",
        "mysql": "mysqld",
        "redis": "redis-server",
        "mongodb": "mongod",
        "chrony": "chronyd",
        "ntp": "ntpd",
        "supervisor": "supervisord",
    }.items()
}
# Latin words a guessed service name cannot be ("restart the app" names no unit).
_NOT_A_NAME = frozenset(
    words(
        "app application apps everything all it them this that one thing stuff something server "
        "servers machine host box service services system systemd unit units process processes "
        "container containers docker now please again it's"
    )
)
_PHP_FPM = re.compile(r"php[\d.]*-fpm")
_IDENTIFIER = re.compile(r"[a-z][a-z0-9_.@-]*[a-z0-9]")


def _patterns(spelling: str) -> list[WordPattern]:
    cyrillic = bool(re.search(r"[а-я]", spelling))
    return [WordPattern(spelling, prefix=cyrillic)]


@lru_cache(maxsize=64)
def _catalog(inventory_services: tuple[str, ...]) -> Vocabulary[str]:
    catalog: Vocabulary[str] = Vocabulary(())
    for name in inventory_services:
        catalog.add([[WordPattern(name)]], name)
        squashed = re.sub(r"[-_.]", "", name)
        if squashed != name:
            catalog.add([[WordPattern(squashed)]], name)
        parts = [p for p in re.split(r"[-_.]", name) if p]
        if len(parts) > 1:
            catalog.add([[WordPattern(p, fuzzy=False)] for p in parts], name)
    for canonical, spellings in KNOWN_SERVICES.items():
        catalog.add([[WordPattern(canonical)]], canonical)
        for spelling in spellings.split():  # "engine+x": two words, as speech recognition hears
            catalog.add([_patterns(part) for part in spelling.split("+")], canonical)
    return catalog


def canonical(name: str) -> str:
    """The vocabulary's name for a unit name: "redis-server" → "redis", "sshd" → "ssh"."""
    lowered = name.lower().removesuffix(".service")
    for known, spellings in KNOWN_SERVICES.items():
        if lowered == known or lowered in spellings.split():
            return known
    return lowered


def unit_name(reading: Reading, service: str, inventory: Sequence[Server],
              targets: Sequence[str]) -> str:
    """The unit to act on for a recognised service: the spelling the inventory lists on the
    target servers when it lists one; else the user's own word when it is a real unit name
    ("sshd", "httpd"); else the vocabulary's name ("редис", "postgres" → `redis`, `postgresql`)."""
    wanted = canonical(service)
    listed = {s.lower() for server in inventory if server.name in targets
              for s in server.services if canonical(s) == wanted}
    if len(listed) == 1:
        return listed.pop()
    if listed:
        return service
    typed = {token.norm.removesuffix(".service")
             for token, slot in zip(reading.tokens, reading.slots, strict=True)
             if slot.service == service}
    own = typed & DISTRO_UNITS.get(service, frozenset())
    return own.pop() if len(own) == 1 else service


def inventory_services(inventory: Iterable[Server]) -> tuple[str, ...]:
    names: list[str] = []
    for server in inventory:
        for service in server.services:
            if service.lower() not in names:
                names.append(service.lower())
    return tuple(names)


def listed_on(inventory: Sequence[Server], names: Sequence[str]) -> tuple[str, ...]:
    """The services the inventory lists on these servers, in order."""
    return inventory_services(s for s in inventory if s.name in names)


def owners(inventory: Sequence[Server], service: str) -> tuple[str, ...]:
    """Servers whose inventory lists the service (compared by canonical name)."""
    wanted = canonical(service)
    return tuple(
        server.name for server in inventory if any(canonical(s) == wanted for s in server.services)
    )


def mark_exact(reading: Reading, inventory: Sequence[Server]) -> None:
    catalog = _catalog(inventory_services(inventory))
    all_forms = [reading.forms(i) for i in range(len(reading.tokens))]
    for index in list(reading.free_words()):
        if reading.slots[index].claimed:
            continue
        hit = catalog.phrase_at(all_forms, index)
        if hit is not None and all(not reading.slots[index + k].claimed for k in range(hit.length)):
            for offset in range(hit.length):
                reading.slots[index + offset].service = hit.label
            continue
        token = reading.tokens[index]
        if _PHP_FPM.fullmatch(token.norm):
            reading.slots[index].service = token.norm
            continue
        label = catalog.exact([token.norm.removesuffix(".service")])
        if label is None and token.script is Script.CYRILLIC:
            label = catalog.exact([token.alt])
        if label is not None:
            reading.slots[index].service = label


# name parts too generic to pick a service by ("перезапусти server" names none)
_WEAK_PARTS = frozenset(words("server service app d agent worker api2 the and new old main"))
MIN_PART_LENGTH = 3


def mark_partial(reading: Reading, inventory: Sequence[Server]) -> None:
    """A part of a listed service's name: "voice" → `grok-voice` when exactly one listed
    service has that part; when several do, the token keeps them all as candidates (the
    engine then asks which one). Runs after the vocabulary, on words nothing else claimed."""
    parts: dict[str, list[str]] = {}
    for name in inventory_services(inventory):
        for part in re.split(r"[-_.@]", name):
            if len(part) >= MIN_PART_LENGTH and part != name and part not in _WEAK_PARTS:
                parts.setdefault(part, []).append(name)
    listed = inventory_services(inventory)
    for index in list(reading.free_words()):
        token = reading.tokens[index]
        if token.norm in STOPWORDS or not token.norm.isalnum():
            continue
        if token.script is Script.CYRILLIC and not _after_service_verb(reading, index):
            continue  # «про админов» is no service; «перезапусти админку» is
        names = _part_of(token.norm, token.alt, token.script, parts, listed)
        if len(names) == 1 and len(token.norm) >= MIN_PART_LENGTH:
            reading.slots[index].service = names[0]
        elif names:
            reading.slots[index].candidates = tuple(names)


_SERVICE_VERBS = frozenset({Concept.RESTART, Concept.START, Concept.STOP, Concept.STATUS,
                            Concept.LOGS, Concept.SERVICE_NOUN, Concept.FIX})


def _after_service_verb(reading: Reading, index: int) -> bool:
    before = _previous_meaningful(reading, index)
    return before is not None and reading.slots[before].concept in _SERVICE_VERBS


def _part_of(norm: str, alt: str, script: Script, parts: dict[str, list[str]],
             listed: Sequence[str]) -> list[str]:
    """Listed services a word names a part of: a whole part ("voice"), a Russian spelling of
    one with its ending ("грок", "админку"), else a piece of the name ("ngi", "gr")."""
    if script is Script.LATIN:
        if norm in parts:
            return parts[norm]
        if len(norm) >= 2 and not norm.isdigit():
            return [name for name in listed if norm in name and norm != name]
        return []
    if script is Script.CYRILLIC and alt:
        return sorted({name for part, names in parts.items() for name in names
                       if alt.startswith(part) and len(alt) - len(part) <= 3})
    return []


def mark_approximate(reading: Reading, inventory: Sequence[Server]) -> None:
    catalog = _catalog(inventory_services(inventory))
    for index in list(reading.free_words()):
        token = reading.tokens[index]
        forms = [token.norm] if token.script is Script.LATIN else [token.norm, token.alt]
        hit = catalog.approximate(forms)
        if hit is not None and hit.typos <= allowed_typos(len(token.norm)):
            reading.slots[index].service = hit.label


def mark_named(reading: Reading) -> None:
    """Units the vocabulary does not know, named by the user: "сервис foo", "foo.service",
    or a Latin identifier right after a service verb ("перезапусти myapp") or a logs word
    («логи foo-worker», "logs of foo-worker": that unit's logs, not a scan of the host)."""
    verbs = {Concept.RESTART, Concept.START, Concept.STOP, Concept.REBOOT, Concept.STATUS,
             Concept.LOGS}
    for index in list(reading.free_words()):
        token = reading.tokens[index]
        if token.script is not Script.LATIN or not _IDENTIFIER.fullmatch(token.norm):
            continue
        if token.norm in _NOT_A_NAME or token.norm in STOPWORDS:
            continue
        before = _previous_meaningful(reading, index)
        named = token.norm.endswith(".service") or (
            before is not None
            and (
                reading.slots[before].concept is Concept.SERVICE_NOUN
                or (reading.slots[before].concept in verbs and reading.services() == [])
            )
        )
        if named:
            reading.slots[index].service = token.norm.removesuffix(".service")


_UNIT = re.compile(r"[a-z][a-z0-9]*(?:[-_.][a-z0-9]+)*[-_.][a-z][a-z0-9]*")
_HOST_WORDS = frozenset(words("на on at host server сервер"))


def mark_fixed_unit(reading: Reading) -> None:
    """The unit of a fix request that names no known service: «gate-proxy на box12 отдаёт 502,
    почини». A Latin compound name (`gate-proxy`, `billing_worker`) that no server claims and
    no host word precedes is the unit, even when one of its parts is a known word ("proxy")."""
    if not reading.has(Concept.FIX) or reading.services() or reading.candidates():
        return
    found = [
        index for index, (token, slot) in enumerate(zip(reading.tokens, reading.slots,
                                                         strict=True))
        if token.script is Script.LATIN and _UNIT.fullmatch(token.norm)
        and not (slot.server or slot.unresolved or slot.phrase or slot.stop)
        and (slot.concept is None or _vocabulary_word(token.norm) is None)
        and not (index and reading.tokens[index - 1].norm in _HOST_WORDS)
    ]
    if len(found) == 1:
        slot = reading.slots[found[0]]
        slot.concept, slot.service = None, reading.tokens[found[0]].norm


def _vocabulary_word(word: str) -> Concept | None:
    return vocabulary().exact([word])


_COMPLAINTS = frozenset({Concept.DOWN, Concept.PROBLEM, Concept.ERRORS})


def repair_subject(reading: Reading, mentioned: Sequence[str]) -> list[str]:
    """The unit a fix request is about when it names more than one service: "status-proxy.service
    не стартует, nginx ругается на конфиг. Почини" repairs the unit written out as a unit
    (``NAME.service``) and complained about; names that come only after that complaint are the
    program behind it, part of the symptom ("почини nginx и foo.service" still names two)."""
    if len(mentioned) < 2 or not reading.has(Concept.FIX):
        return list(mentioned)
    slots = reading.slots
    units = {slot.service for token, slot in zip(reading.tokens, slots, strict=True)
             if slot.service and token.norm.endswith(".service")}
    if len(units) != 1:
        return list(mentioned)
    unit = units.pop()
    first = next(i for i, slot in enumerate(slots) if slot.service == unit)
    complaint = next((i for i in range(first + 1, len(slots))
                      if slots[i].concept in _COMPLAINTS), None)
    others = [i for i, slot in enumerate(slots) if slot.service and slot.service != unit]
    if complaint is None or any(i < complaint for i in others):
        return list(mentioned)
    return [unit]


def _previous_meaningful(reading: Reading, index: int) -> int | None:
    for before in range(index - 1, -1, -1):
        if reading.tokens[before].kind is not Kind.WORD:
            return None
        if not reading.slots[before].stop:
            return before
    return None


# the programs that serve a site: when a request names "the site" and a server, its front
WEB_FRONTS = ("nginx", "apache2", "httpd", "caddy", "haproxy", "traefik", "lighttpd", "angie")
_SITE_WORDS = ("сайт", "site", "website", "веб-сайт", "вебсайт", "веб-морд", "морд")


def site_front(reading: Reading, inventory: Sequence[Server], named: Sequence[str]
               ) -> list[str]:
    """The one web front listed on the named servers, for a fix request about "the site"
    (nothing when the request says no site, asks no fix, or the servers list none or several)."""
    if not named or not (reading.has(Concept.FIX) or reading.has(Concept.DOWN)):
        return []
    if not any(t.norm.startswith(_SITE_WORDS) for t in reading.tokens):
        return []
    fronts = {service for server in inventory if server.name in named
              for service in server.services if service in WEB_FRONTS}
    return list(fronts) if len(fronts) == 1 else []

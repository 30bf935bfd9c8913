"""Reasons the engine itself gives (rules from YAML carry their own texts)."""

from __future__ import annotations

from shturman.domain.models import Decision
from shturman.domain.verdict import Reason

_TEXTS: dict[str, tuple[str, str]] = {
    "shell.parse_error": (
        "the command line does not parse ({detail}); it cannot be judged",
        "командная строка не разбирается ({detail}); её нельзя проверить",
    ),
    "shell.too_deep": (
        "commands nested too deeply to judge",
        "слишком глубокая вложенность команд",
    ),
    "shell.fork_bomb": (
        "a function that calls itself (fork bomb shape): {cmd}",
        "функция вызывает саму себя (fork-бомба): {cmd}",
    ),
    "shell.assignment": ("sets a shell variable", "задаёт переменную оболочки"),
    "shell.dynamic_name": (
        "the program name is computed at run time",
        "имя программы вычисляется во время выполнения",
    ),
    "shell.decoded_command": (
        "the program to run is decoded or downloaded at run time",
        "запускаемая программа декодируется или скачивается на лету",
    ),
    "shell.disguised_danger": (
        "disguised dangerous command (it would be: {guess})",
        "замаскированная опасная команда (на деле: {guess})",
    ),
    "shell.disguised_name": (
        "the program name is written in a disguised way (quotes, escapes)",
        "имя программы записано замаскированно (кавычки, экранирование)",
    ),
    "shell.dynamic_script": (
        "runs a script built at run time ({origin}); it cannot be checked",
        "выполняет скрипт, собранный на лету ({origin}); проверить нельзя",
    ),
    "shell.eval": (
        "eval runs its arguments as a command line",
        "eval выполняет свои аргументы как командную строку",
    ),
    "shell.interactive": (
        "opens an interactive shell or session",
        "открывает интерактивную оболочку или сеанс",
    ),
    "shell.stdin_script": (
        "runs a script fed on standard input",
        "выполняет скрипт, поданный на стандартный ввод",
    ),
    "pipe.remote_to_shell": (
        "runs downloaded content as code",
        "выполняет скачанное содержимое как код",
    ),
    "pipe.decoded_to_shell": (
        "runs decoded (hidden) content as code ({source})",
        "выполняет декодированное (скрытое) содержимое как код ({source})",
    ),
    "secrets.variable": (
        "prints a variable that holds a credential (${var})",
        "выводит переменную с учётными данными (${var})",
    ),
    "net.reverse_shell": (
        "a shell wired to a network connection (reverse shell)",
        "оболочка, подключённая к сети (обратная оболочка)",
    ),
    "interp.inline_code": (
        "runs inline interpreter code",
        "выполняет встроенный код интерпретатора",
    ),
    "interp.script": ("runs a script file", "запускает файл скрипта"),
    "interp.reverse_shell": (
        "interpreter code connecting a shell to the network",
        "код интерпретатора подключает оболочку к сети",
    ),
    "interp.awk_exec": (
        "awk program runs commands or writes files",
        "программа awk запускает команды или пишет файлы",
    ),
    "sed.exec": (
        "sed script executes shell commands (e command/flag)",
        "скрипт sed выполняет команды оболочки (команда/флаг e)",
    ),
    "fs.dynamic_write": (
        "writes to a file whose name is computed at run time",
        "пишет в файл, имя которого вычисляется на лету",
    ),
    "wrap.unknown_args": (
        "runs a program on file names known only at run time",
        "запускает программу с именами файлов, известными только при запуске",
    ),
    "default.unlisted": (
        "not on the read-only list: it may change state",
        "нет в списке безопасных команд только для чтения: может менять состояние",
    ),
    "server.forbidden": ("forbidden on this server: {entry}", "запрещено на этом сервере: {entry}"),
    "server.readonly": (
        "the server is read-only: changes are not allowed",
        "сервер только для чтения: изменения запрещены",
    ),
    "self.protect": (
        "touches Shturman's own config, vault or policy",
        "затрагивает конфигурацию, хранилище секретов или политику Штурмана",
    ),
    "input.empty": ("empty command", "пустая команда"),
}


def reason(rule_id: str, decision: Decision, cmd: str, **fmt: str) -> Reason:
    en, ru = _TEXTS[rule_id]
    values = {"cmd": cmd, **fmt}
    return Reason(rule_id, decision, en.format(**values), ru.format(**values), cmd)

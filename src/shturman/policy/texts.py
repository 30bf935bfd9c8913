"""Reasons the engine itself gives (rules from YAML carry their own texts)."""

from __future__ import annotations

from shturman.domain.models import Decision
from shturman.domain.verdict import Reason

_VAULT_EN = (
    "Shturman never reads credentials; `shturman server add …` stores them encrypted in "
    "the vault and the agent never sees them"
)
_VAULT_RU = (
    "Штурман не читает учётные данные; `shturman server add …` хранит их зашифрованными "
    "в хранилище, агент их не видит"
)

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
    "shell.confusable_name": (
        "the program name mixes in non-Latin letters that look like Latin ones (a look-alike)",
        "в имени программы есть нелатинские буквы, похожие на латинские (подделка имени)",
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
    "grammar.unknown_option": (
        "{prog}: option {arg} is not on its read-only list",
        "{prog}: параметра {arg} нет в списке безопасных (только чтение)",
    ),
    "grammar.unknown_subcommand": (
        "{prog}: subcommand {arg} is not on its read-only list",
        "{prog}: подкоманды {arg} нет в списке безопасных (только чтение)",
    ),
    "grammar.unknown_program": (
        "{prog}: no argument grammar, its arguments cannot be checked",
        "{prog}: нет грамматики аргументов, их нельзя проверить",
    ),
    "grammar.bad_value": (
        "{prog}: option value {arg} is not a read-only one",
        "{prog}: значение параметра {arg} не из безопасных",
    ),
    "grammar.operand": (
        "{prog}: argument {arg} is not a read-only one (it may set or write something)",
        "{prog}: аргумент {arg} не из безопасных (может что-то задать или записать)",
    ),
    "grammar.dynamic_argument": (
        "{prog}: argument {arg} is computed at run time and could become an option",
        "{prog}: аргумент {arg} вычисляется при запуске и может стать параметром",
    ),
    "grammar.writes_file": (
        "{prog}: {arg} writes a file",
        "{prog}: {arg} записывает файл",
    ),
    "grammar.runs_code": (
        "{prog}: {arg} runs a program or script",
        "{prog}: {arg} запускает программу или скрипт",
    ),
    "grammar.changes_state": (
        "{prog}: {arg} changes system state",
        "{prog}: {arg} изменяет состояние системы",
    ),
    "grammar.interactive": (
        "{prog}: {arg} is interactive",
        "{prog}: {arg} работает интерактивно",
    ),
    "grammar.secret_output": (
        "{prog}: {arg} prints environments or secrets",
        "{prog}: {arg} выводит окружение или секреты",
    ),
    "shell.startup_file": (
        "the shell runs the start-up file {path} before the command",
        "оболочка перед командой выполняет файл запуска {path}",
    ),
    "grammar.config_source": (
        "{prog}: {arg} loads a configuration other than the system's own (it can load "
        "modules and run code)",
        "{prog}: {arg} загружает не системную конфигурацию (она может подгрузить модули "
        "и выполнить код)",
    ),
    "grammar.unbounded": (
        "{prog}: {arg} never finishes without a bound",
        "{prog}: {arg} без ограничения не завершается",
    ),
    "interp.stdin_code": (
        "an interpreter with a redirected standard input runs that input as code",
        "интерпретатор с перенаправленным вводом выполняет этот ввод как код",
    ),
    "net.exfiltration": (
        "sends local data ({payload}) to another host: files, command output and pipes "
        "leave the machine only to loopback",
        "отправляет локальные данные ({payload}) на другой хост: файлы, вывод команд и "
        "конвейеры уходят с машины только на loopback",
    ),
    "secrets.private_key": (
        "reads a private key ({what}). " + _VAULT_EN,
        "читает закрытый ключ ({what}). " + _VAULT_RU,
    ),
    "secrets.credential_store": (
        "reads a tool's stored credentials ({what}). " + _VAULT_EN,
        "читает сохранённые учётные данные программы ({what}). " + _VAULT_RU,
    ),
    "secrets.shell_history": (
        "reads a shell or client history, which holds typed passwords ({what}). " + _VAULT_EN,
        "читает историю команд, в ней бывают набранные пароли ({what}). " + _VAULT_RU,
    ),
    "secrets.password_hashes": (
        "reads password hashes ({what}). " + _VAULT_EN,
        "читает хэши паролей ({what}). " + _VAULT_RU,
    ),
    "secrets.process_env": (
        "prints process environment variables, which hold tokens and passwords ({what}). "
        + _VAULT_EN,
        "выводит переменные окружения процессов, в них токены и пароли ({what}). " + _VAULT_RU,
    ),
    "secrets.process_memory": (
        "reads process memory, where keys and tokens live ({what}). " + _VAULT_EN,
        "читает память процесса, где лежат ключи и токены ({what}). " + _VAULT_RU,
    ),
    "secrets.cluster_secret": (
        "reads cluster secrets ({what}). " + _VAULT_EN,
        "читает секреты кластера ({what}). " + _VAULT_RU,
    ),
    "secrets.shturman_vault": (
        "reads Shturman's own vault ({what}). " + _VAULT_EN,
        "читает собственное хранилище секретов Штурмана ({what}). " + _VAULT_RU,
    ),
    "secrets.password_argv": (
        "writes a password into the command line ({what}), where process lists, logs and "
        "the model see it. " + _VAULT_EN,
        "записывает пароль прямо в командную строку ({what}), где его видят список "
        "процессов, журналы и модель. " + _VAULT_RU,
    ),
    "auth.password_wrapper": (
        "sshpass feeds a password to the program it runs; a person decides",
        "sshpass подставляет пароль программе, которую запускает; решает человек",
    ),
    "docker.remote_daemon": (
        "controls the container engine of another machine ({what}); a person decides",
        "управляет контейнерами другой машины ({what}); решает человек",
    ),
    "secrets.credential_tree": (
        "reads a whole directory tree that holds credentials ({what}). " + _VAULT_EN,
        "читает целое дерево каталогов с учётными данными ({what}). " + _VAULT_RU,
    ),
    "input.too_long": (
        "the command line or one of its arguments is too long to check (64 KiB per line, "
        "4 KiB per argument); write large content through a file",
        "командная строка или её аргумент слишком длинные для проверки (64 КиБ на строку, "
        "4 КиБ на аргумент); большое содержимое передавайте через файл",
    ),
    "input.control": (
        "the command line holds NUL, terminal control or text-direction characters: what "
        "is shown would not be what runs",
        "в командной строке есть NUL, управляющие символы терминала или смены направления "
        "текста: показанное не совпадало бы с выполняемым",
    ),
    "input.too_deep": (
        "the command nests too deeply to check (brackets, substitutions or chains)",
        "команда вложена слишком глубоко для проверки (скобки, подстановки или цепочки)",
    ),
    "input.budget": (
        "the command line holds too many commands to check at once; split it",
        "в командной строке слишком много команд для одной проверки; разбейте её",
    ),
}


def reason(rule_id: str, decision: Decision, cmd: str, **fmt: str) -> Reason:
    en, ru = _TEXTS[rule_id]
    values = {"cmd": cmd, **fmt}
    return Reason(rule_id, decision, en.format(**values), ru.format(**values), cmd)

"""Reasons the policy engine itself gives (rules from YAML carry their own texts); keys are
rule ids under ``policy.``."""

from __future__ import annotations

TEXTS: dict[str, tuple[str, str]] = {
    # key: (ru, en)
    "policy.shell.parse_error": (
        "командная строка не разбирается ({detail}); её нельзя проверить",
        "the command line does not parse ({detail}); it cannot be judged",
    ),
    "policy.shell.too_deep": (
        "слишком глубокая вложенность команд",
        "commands nested too deeply to judge",
    ),
    "policy.shell.fork_bomb": (
        "функция вызывает саму себя (fork-бомба): {cmd}",
        "a function that calls itself (fork bomb shape): {cmd}",
    ),
    "policy.resource.busy_loop": (
        "бесконечный цикл, который ничего не ждёт или плодит фоновые процессы, занимает "
        "процессор или память до остановки сервера: {cmd}",
        "an endless loop that never waits, or keeps starting background jobs, holds the CPU "
        "or memory until the server stops: {cmd}",
    ),
    "policy.shell.confusable_name": (
        "в имени программы есть нелатинские буквы, похожие на латинские (подделка имени)",
        "the program name mixes in non-Latin letters that look like Latin ones (a look-alike)",
    ),
    "policy.shell.confusable_path": (
        "в пути есть нелатинские буквы, похожие на латинские, вперемешку с латинскими "
        "(подделка пути): показанный файл — не тот, что будет прочитан",
        "a path mixes Latin letters with non-Latin look-alikes (a look-alike path): the file "
        "shown is not the file used",
    ),
    "policy.trace.runs_program": (
        "запускает программу под трассировщиком (strace, ltrace, gdb, valgrind, perf): "
        "выполняет её код и выводит её аргументы и данные",
        "runs a program under a tracer (strace, ltrace, gdb, valgrind, perf): executes its "
        "code and prints its arguments and data",
    ),
    "policy.shell.assignment": (
        "задаёт переменную оболочки",
        "sets a shell variable",
    ),
    "policy.shell.dynamic_name": (
        "имя программы вычисляется во время выполнения",
        "the program name is computed at run time",
    ),
    "policy.shell.decoded_command": (
        "запускаемая программа декодируется или скачивается на лету",
        "the program to run is decoded or downloaded at run time",
    ),
    "policy.shell.disguised_danger": (
        "замаскированная опасная команда (на деле: {guess})",
        "disguised dangerous command (it would be: {guess})",
    ),
    "policy.shell.disguised_name": (
        "имя программы записано замаскированно (кавычки, экранирование)",
        "the program name is written in a disguised way (quotes, escapes)",
    ),
    "policy.shell.sliced_name": (
        "имя программы вырезается из другой строки (`${{v:2:2}}`, `${{v#…}}`): так прячут "
        "команду",
        "the program name is cut out of another string (`${{v:2:2}}`, `${{v#…}}`): a way to "
        "hide a command",
    ),
    "policy.shell.dynamic_script": (
        "выполняет скрипт, собранный на лету ({origin}); проверить нельзя",
        "runs a script built at run time ({origin}); it cannot be checked",
    ),
    "policy.shell.eval": (
        "eval выполняет свои аргументы как командную строку",
        "eval runs its arguments as a command line",
    ),
    "policy.shell.interactive": (
        "открывает интерактивную оболочку или сеанс",
        "opens an interactive shell or session",
    ),
    "policy.shell.stdin_script": (
        "выполняет скрипт, поданный на стандартный ввод",
        "runs a script fed on standard input",
    ),
    "policy.pipe.remote_to_shell": (
        "выполняет скачанное содержимое как код",
        "runs downloaded content as code",
    ),
    "policy.pipe.decoded_to_shell": (
        "выполняет декодированное (скрытое) содержимое как код ({source})",
        "runs decoded (hidden) content as code ({source})",
    ),
    "policy.secrets.variable": (
        "выводит переменную с учётными данными (${var})",
        "prints a variable that holds a credential (${var})",
    ),
    "policy.net.reverse_shell": (
        "оболочка, подключённая к сети (обратная оболочка)",
        "a shell wired to a network connection (reverse shell)",
    ),
    "policy.interp.inline_code": (
        "выполняет встроенный код интерпретатора",
        "runs inline interpreter code",
    ),
    "policy.interp.script": (
        "запускает файл скрипта",
        "runs a script file",
    ),
    "policy.interp.reverse_shell": (
        "код интерпретатора подключает оболочку к сети",
        "interpreter code connecting a shell to the network",
    ),
    "policy.interp.awk_exec": (
        "программа awk запускает команды или пишет файлы",
        "awk program runs commands or writes files",
    ),
    "policy.sed.exec": (
        "скрипт sed выполняет команды оболочки (команда/флаг e)",
        "sed script executes shell commands (e command/flag)",
    ),
    "policy.fs.dynamic_write": (
        "пишет в файл, имя которого вычисляется на лету",
        "writes to a file whose name is computed at run time",
    ),
    "policy.wrap.unknown_args": (
        "запускает программу с именами файлов, известными только при запуске",
        "runs a program on file names known only at run time",
    ),
    "policy.default.unlisted": (
        "нет в списке безопасных команд только для чтения: может менять состояние",
        "not on the read-only list: it may change state",
    ),
    "policy.server.forbidden": (
        "запрещено на этом сервере: {entry}",
        "forbidden on this server: {entry}",
    ),
    "policy.server.readonly": (
        "сервер только для чтения: изменения запрещены",
        "the server is read-only: changes are not allowed",
    ),
    "policy.self.protect": (
        "затрагивает конфигурацию, хранилище секретов или политику Штурмана",
        "touches Shturman's own config, vault or policy",
    ),
    "policy.input.empty": (
        "пустая команда",
        "empty command",
    ),
    "policy.grammar.unknown_option": (
        "{prog}: параметра {arg} нет в списке безопасных (только чтение)",
        "{prog}: option {arg} is not on its read-only list",
    ),
    "policy.grammar.unknown_subcommand": (
        "{prog}: подкоманды {arg} нет в списке безопасных (только чтение)",
        "{prog}: subcommand {arg} is not on its read-only list",
    ),
    "policy.grammar.unknown_program": (
        "{prog}: нет грамматики аргументов, их нельзя проверить",
        "{prog}: no argument grammar, its arguments cannot be checked",
    ),
    "policy.grammar.bad_value": (
        "{prog}: значение параметра {arg} не из безопасных",
        "{prog}: option value {arg} is not a read-only one",
    ),
    "policy.grammar.operand": (
        "{prog}: аргумент {arg} не из безопасных (может что-то задать или записать)",
        "{prog}: argument {arg} is not a read-only one (it may set or write something)",
    ),
    "policy.grammar.dynamic_argument": (
        "{prog}: аргумент {arg} вычисляется при запуске и может стать параметром",
        "{prog}: argument {arg} is computed at run time and could become an option",
    ),
    "policy.grammar.writes_file": (
        "{prog}: {arg} записывает файл",
        "{prog}: {arg} writes a file",
    ),
    "policy.grammar.runs_code": (
        "{prog}: {arg} запускает программу или скрипт",
        "{prog}: {arg} runs a program or script",
    ),
    "policy.grammar.changes_state": (
        "{prog}: {arg} изменяет состояние системы",
        "{prog}: {arg} changes system state",
    ),
    "policy.grammar.interactive": (
        "{prog}: {arg} работает интерактивно",
        "{prog}: {arg} is interactive",
    ),
    "policy.grammar.secret_output": (
        "{prog}: {arg} выводит окружение или секреты",
        "{prog}: {arg} prints environments or secrets",
    ),
    "policy.shell.startup_file": (
        "оболочка перед командой выполняет файл запуска {path}",
        "the shell runs the start-up file {path} before the command",
    ),
    "policy.grammar.config_source": (
        "{prog}: {arg} загружает не системную конфигурацию (она может подгрузить модули и "
        "выполнить код)",
        "{prog}: {arg} loads a configuration other than the system's own (it can load modules "
        "and run code)",
    ),
    "policy.grammar.unbounded": (
        "{prog}: {arg} без ограничения не завершается",
        "{prog}: {arg} never finishes without a bound",
    ),
    "policy.interp.stdin_code": (
        "интерпретатор с перенаправленным вводом выполняет этот ввод как код",
        "an interpreter with a redirected standard input runs that input as code",
    ),
    "policy.net.exfiltration": (
        "отправляет локальные данные ({payload}) на другой хост: файлы, вывод команд и конвейеры "
        "уходят с машины только на loopback",
        "sends local data ({payload}) to another host: files, command output and pipes leave the "
        "machine only to loopback",
    ),
    "policy.secrets.private_key": (
        "читает закрытый ключ ({what}). Штурман не читает учётные данные; `shturman server add "
        "…` хранит их зашифрованными в хранилище, агент их не видит",
        "reads a private key ({what}). Shturman never reads credentials; `shturman server add …` "
        "stores them encrypted in the vault and the agent never sees them",
    ),
    "policy.secrets.credential_store": (
        "читает сохранённые учётные данные программы ({what}). Штурман не читает учётные данные; "
        "`shturman server add …` хранит их зашифрованными в хранилище, агент их не видит",
        "reads a tool's stored credentials ({what}). Shturman never reads credentials; `shturman "
        "server add …` stores them encrypted in the vault and the agent never sees them",
    ),
    "policy.secrets.shell_history": (
        "читает историю команд, в ней бывают набранные пароли ({what}). Штурман не читает "
        "учётные данные; `shturman server add …` хранит их зашифрованными в хранилище, агент их "
        "не видит",
        "reads a shell or client history, which holds typed passwords ({what}). Shturman never "
        "reads credentials; `shturman server add …` stores them encrypted in the vault and the "
        "agent never sees them",
    ),
    "policy.secrets.password_hashes": (
        "читает хэши паролей ({what}). Штурман не читает учётные данные; `shturman server add …` "
        "хранит их зашифрованными в хранилище, агент их не видит",
        "reads password hashes ({what}). Shturman never reads credentials; `shturman server add "
        "…` stores them encrypted in the vault and the agent never sees them",
    ),
    "policy.secrets.process_env": (
        "выводит переменные окружения процессов, в них токены и пароли ({what}). Штурман не "
        "читает учётные данные; `shturman server add …` хранит их зашифрованными в хранилище, "
        "агент их не видит",
        "prints process environment variables, which hold tokens and passwords ({what}). "
        "Shturman never reads credentials; `shturman server add …` stores them encrypted in the "
        "vault and the agent never sees them",
    ),
    "policy.secrets.process_memory": (
        "читает память процесса, где лежат ключи и токены ({what}). Штурман не читает учётные "
        "данные; `shturman server add …` хранит их зашифрованными в хранилище, агент их не видит",
        "reads process memory, where keys and tokens live ({what}). Shturman never reads "
        "credentials; `shturman server add …` stores them encrypted in the vault and the agent "
        "never sees them",
    ),
    "policy.secrets.cluster_secret": (
        "читает секреты кластера ({what}). Штурман не читает учётные данные; `shturman server "
        "add …` хранит их зашифрованными в хранилище, агент их не видит",
        "reads cluster secrets ({what}). Shturman never reads credentials; `shturman server add "
        "…` stores them encrypted in the vault and the agent never sees them",
    ),
    "policy.secrets.shturman_vault": (
        "читает собственное хранилище секретов Штурмана ({what}). Штурман не читает учётные "
        "данные; `shturman server add …` хранит их зашифрованными в хранилище, агент их не видит",
        "reads Shturman's own vault ({what}). Shturman never reads credentials; `shturman server "
        "add …` stores them encrypted in the vault and the agent never sees them",
    ),
    "policy.secrets.password_argv": (
        "записывает пароль прямо в командную строку ({what}), где его видят список процессов, "
        "журналы и модель. Штурман не читает учётные данные; `shturman server add …` хранит их "
        "зашифрованными в хранилище, агент их не видит",
        "writes a password into the command line ({what}), where process lists, logs and the "
        "model see it. Shturman never reads credentials; `shturman server add …` stores them "
        "encrypted in the vault and the agent never sees them",
    ),
    "policy.auth.password_wrapper": (
        "sshpass подставляет пароль программе, которую запускает; решает человек",
        "sshpass feeds a password to the program it runs; a person decides",
    ),
    "policy.docker.remote_daemon": (
        "управляет контейнерами другой машины ({what}); решает человек",
        "controls the container engine of another machine ({what}); a person decides",
    ),
    "policy.secrets.credential_tree": (
        "читает целое дерево каталогов с учётными данными ({what}). Штурман не читает учётные "
        "данные; `shturman server add …` хранит их зашифрованными в хранилище, агент их не видит",
        "reads a whole directory tree that holds credentials ({what}). Shturman never reads "
        "credentials; `shturman server add …` stores them encrypted in the vault and the agent "
        "never sees them",
    ),
    "policy.input.too_long": (
        "командная строка или её аргумент слишком длинные для проверки (64 КиБ на строку, 4 КиБ "
        "на аргумент, 2000 аргументов); большое содержимое передавайте через файл",
        "the command line or one of its arguments is too long to check (64 KiB per line, 4 KiB "
        "per argument, 2,000 arguments); write large content through a file",
    ),
    "policy.input.control": (
        "в командной строке есть NUL, управляющие символы терминала или смены направления "
        "текста: показанное не совпадало бы с выполняемым",
        "the command line holds NUL, terminal control or text-direction characters: what is "
        "shown would not be what runs",
    ),
    "policy.input.too_deep": (
        "команда вложена слишком глубоко для проверки (скобки, подстановки или цепочки)",
        "the command nests too deeply to check (brackets, substitutions or chains)",
    ),
    "policy.input.expansion": (
        "фигурные скобки или шаблоны путей в команде развернулись бы в слишком много слов "
        "(более 100 000): такая работа не ограничена; уточните пути",
        "braces or path globs in the command would expand into too many words (over 100,000): "
        "that work is unbounded; name the paths more narrowly",
    ),
    "policy.input.budget": (
        "в командной строке слишком много команд для одной проверки; разбейте её",
        "the command line holds too many commands to check at once; split it",
    ),
    # issue 7, third pass
    "policy.ssh.unknown_host": (
        "подключается к {host}, а это не зарегистрированный сервер Штурмана: решает человек",
        "connects to {host}, which is not one of Shturman's registered servers: a person "
        "decides",
    ),
    "policy.priv.shell_escape": (
        "запускает оболочку с правами root в обход (через {via}): так обходят ограничения "
        "sudo",
        "spawns a root shell by way of another program ({via}): the way sudo restrictions "
        "are escaped",
    ),
    "policy.priv.interactive": (
        "интерактивная программа с правами root (пейджер, редактор, man): из неё одной "
        "клавишей открывается оболочка root; решает человек",
        "an interactive program run as root (a pager, an editor, man): one keystroke in it "
        "opens a root shell; a person decides",
    ),
    "policy.ssh.proxy_shell": (
        "ssh запускает здесь оболочку как ProxyCommand/LocalCommand: данные с того конца "
        "соединения становятся командами этой машины (обратная оболочка)",
        "ssh runs a shell here as its ProxyCommand/LocalCommand: bytes from the far end of "
        "the connection become commands on this machine (a reverse shell)",
    ),
    # issue 7, fourth pass
    "policy.shell.escape": (
        "открывает оболочку в обход, через другую программу ({via}): так выходят из "
        "ограничений (приём GTFOBins); нужна оболочка — попросите её прямо",
        "opens a shell by way of another program ({via}): the way restrictions are escaped "
        "(the GTFOBins shape); ask for a shell plainly if one is needed",
    ),
    "policy.fs.dynamic_read": (
        "читает файл, имя которого известно только во время выполнения",
        "reads a file whose name is known only at run time",
    ),
    "policy.interp.fork_bomb": (
        "код без конца порождает процессы (fork-бомба): машина перестанет отвечать",
        "the code forks without end (a fork bomb): the machine stops responding",
    ),
    "policy.shell.hidden_code": (
        "параметр {where}, предназначенный для просмотрщика, редактора или транспорта, "
        "запускает оболочку или интерпретатор: скрытый код",
        "the {where} setting meant for a pager, an editor or a transport runs a shell or an "
        "interpreter: hidden code",
    ),
}

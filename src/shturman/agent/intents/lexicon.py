"""The words the engine knows, Russian and English, as concepts (pattern syntax: `matching`).

Concepts say what a word contributes (a resource, an action, a symptom, a target); the router
(`routing`) turns the set of concepts of a request into a route and an intent. Words that carry
no meaning of their own (fillers, prepositions, politeness) are `STOPWORDS`.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from shturman.agent.intents.matching import Vocabulary, expand, words


class Concept(StrEnum):
    DISK = "disk"
    MEMORY = "memory"
    CPU = "cpu"
    UPTIME = "uptime"
    PAST_REBOOT = "past_reboot"
    WHEN = "when"
    PROCESSES = "processes"
    HOG = "hog"
    MOST = "most"
    PORTS = "ports"
    OPEN_ADJ = "open_adj"
    WHO = "who"
    OCCUPY = "occupy"
    CONTAINER = "container"
    DOCKER_PS = "docker_ps"
    LOGS = "logs"
    ERRORS = "errors"
    PROBLEM = "problem"
    STATUS = "status"
    RUNNING = "running"
    HEALTH = "health"
    HOW_ARE_YOU = "how_are_you"
    WHAT_WITH = "what_with"
    OK_WORD = "ok_word"
    SERVER_NOUN = "server_noun"
    SERVICE_NOUN = "service_noun"
    REBOOT = "reboot"
    RESTART = "restart"
    START = "start"
    STOP = "stop"
    FIX = "fix"
    DOWN = "down"
    WHY = "why"
    SHOW = "show"
    LIST = "list"
    FREE = "free"
    FREE_EN = "free_en"
    LLM_TASK = "llm_task"
    MULTI = "multi"
    GREETING = "greeting"
    THANKS = "thanks"
    CHITCHAT = "chitchat"
    ACK = "ack"
    LINES = "lines"
    LOCAL_WORD = "local_word"
    ALL_WORD = "all_word"
    BOTH_WORD = "both_word"
    EVERYWHERE = "everywhere"
    DATABASE = "database"
    ORDINAL = "ordinal"
    NEUTRAL = "neutral"


C = Concept

WORDS: dict[Concept, str] = {
    C.DISK: """
        диск{,а,у,ом,е,и,ов,ах,ами,ам} дисков* мест{о,а,е,у,ом} =df =du disk{,s} space storage
        хранилищ* раздел{,а,ы,ов,ах,е} partition* filesystem* дисковом
        файлов{ая,ой,ую,ые,ых}_систем*
        =фс inode{,s} инод* =ssd =hdd nvme volume{,s}
    """,
    C.MEMORY: """
        памят* =озу оперативк* оперативн* оператив{а,ы,у,ой} =рам ram memory =mem swap* своп* свап*
        подкачк* =oom oom_killer oom-killer
        out_of_memory
    """,
    C.CPU: """
        процессор* =цпу =цп =cpu =cpus проц{,а,у,ом,е} нагрузк* нагружен* загрузк* загружен* load
        loads loaded loadavg =la лоад* load_average перегружен* utilization utilisation
    """,
    C.UPTIME: """
        без_перезагруз* без_ребут* без_рестарт* без_перезапуск* without_reboot*
        without_restart* скольк*_уже_крутит* скольк*_крутит*
        аптайм* uptime* ап-тайм up_time время_работы
        скольк*_работа* скольк*_уже_работа*
        скольк*_времени_работа* скольк*_он_работа* давно_работа* давно_ли_работа*
        долго_работа* как_долго how_long up_since since_when с_какого_времени
    """,
    C.PAST_REBOOT: """
        перезагружал* перезагружен* ребутал* ребутнул* перезапускал* rebooted booted
        boot{,ed}_time last_reboot* last_boot* последн*_перезагрузк* последн*_ребут*
        был{,а,о}_перезагрузк* был_ребут* was_rebooted was_restarted последн*_загрузк*
    """,
    C.WHEN: "когда when",
    C.PROCESSES: """
        процесс* процессик* process{,es} =ps =top htop atop топ{,е} pid{,s} что_запущен*
        что_работает что_крутит* what_running what_is_running
    """,
    C.HOG: """
        жр* сожрал* съел{,а,и,о} съеда* съеден{,о,а,ы} =ест едят кушает потребля*
        hog{,s,ging} eat{,s,ing}
        consum* грузит нагружа*
    """,
    C.MOST: "больше_всего больше_всех most heaviest наиболее самы{й,е,х,м} biggest",
    C.PORTS: """
        порт{,а,ы,у,ом,ов,ах,ам,е,ами} port{,s} listen* слушает слушают слушающ* слуша{ется,ются}
        прослушива* netstat =ss lsof сокет* socket*
    """,
    C.OPEN_ADJ: """
        открыт{ые,ы,ых,ый,о,ая,ом,ым} open opened exposed торчит торчат наружу снаружи
        внешн* external public публичн*
    """,
    C.WHO: "кто who which кем чей чья whose",
    C.OCCUPY: """
        занял* занят* занима* использу* using uses used occup* держит держат сидит висит
        bound привязан* бинд* busy hold{,s,ing} taken in_use
    """,
    C.CONTAINER: "контейнер* container* конт{,ы,ов,а} докер-контейнер*",
    C.DOCKER_PS: "docker_ps docker_container_ls docker-compose_ps compose_ps докер_пс",
    C.LOGS: """
        лог{,а,и,ов,ах,ам,ами,е,у} log{,s} журнал* journal* journalctl syslog =tail dmesg
        логгинг* логирован* пишет пишут
    """,
    C.ERRORS: """
        ошиб* error{,s} =err errs exception* исключени* сбо{й,и,ев,ях,ям,я,ем,ю} warning{,s}
        варнинг* паник* panic* critical traceback* трейсбек* трейсбэк* stacktrace* fatal
        фатал* критическ* failure{,s} ерор* эррор* еррор* segfault* сегфолт*
    """,
    C.PROBLEM: "проблем* problem{,s} issue{,s} неполадк* неисправн* косяк*",
    C.STATUS: """
        статус* status state состояни* работает работают живой жив{,а,ы,о} alive active
        активен живые живых включен* выключен* остановлен* stopped поднят функционир* enabled
    """,
    C.RUNNING: "запущен* running крутит* крутя* работающ* =up",
    C.HEALTH: """
        здоров{ье,ья,ьем,ьи} health* healthcheck* хелсчек* самочувств* обзор* overview summary
        сводк* отчет* report diagnos* диагност* sanity* общ*_состояни* общ*_статус*
        полн*_проверк* full_check full_report общ*_картин* big_picture все_ли_ок все_ли_в_порядке
        все_ли_норм* в_целом v_celom в_общем_и_целом
        все_ли_хорошо все_ли_нормально doing_overall is_everything_ok is_everything_fine is_all_good
        is_everything_alright
    """,
    C.HOW_ARE_YOU: """
        как_дела как_делишки как_ты как_жизнь как_сам как_поживаешь как_поживает how_are_you
        how_is_it_going how_are_things
    """,
    C.WHAT_WITH: """
        что_с что_со что_там_с что_там_со что_там чо_с че_с шо_с че_там чо_там шо_там че_по
        чо_по что_по как_там как_там_с как_там_со
        что_у что_там_у как_у как_чувству* how_feel* what_is_wrong_with what_is_wrong
        what_is_up_with
        what_is_going_on_with what_is_going_on what_happened_to what_happened что_случилось
        что_случилось_с что_случилось_со how_is how_are how_does hows
    """,
    C.OK_WORD: """
        =ок ok okay окей норм нормально в_порядке fine good хорошо все_ок все_в_порядке
        все_хорошо все_норм everything_ok everything_fine everything_good all_good
        everything_alright
    """,
    C.SERVER_NOUN: """
        сервер* серв{,а,е,у,ом,ак,ака,аке,аку,ах,ы,ов,ам,ера,ачок} сервак* машин* тачк* тачил*
        виртуалк* виртуальн* =впс =vps =vds =вдс нод{а,ы,е,у,ой,ах,ам} server{,s} machine{,s}
        host{,s} box{,es} node{,s} instance{,s} инстанс* vm{,s} вм{,ка,ке,ку,ки} вмк*
        железк* железо хост{,а,е,у,ом,ы,ах,ов,ами}
    """,
    C.SERVICE_NOUN: "сервис* служб* service{,s} юнит* unit{,s} демон* daemon* systemd systemctl",
    C.REBOOT: """
        перезагруз* перезагружай{,те} ребут* ребутн* ребутан* reboot* перегруз* power_cycle
        =rebot
    """,
    C.RESTART: """
        перезапус* перезапуш* рестарт* рестартан* рестартн* restart* reload* релоад*
        передерн* перестарт* relaunch* respawn* перезапуст* bounce* переподним* переподыми*
    """,
    C.START: """
        запуст* запуск* старт{,ани,уй,ануть,овать,ани-ка} стартан* стартуй start{,s,ing}
        launch* подними{,те} подымите подыми поднять поднимите поднимай включи{,те} включить
        вруби{,ть,те} bring_up spin_up turn_on fire_up start_up
    """,
    C.STOP: """
        останов* останавл* стоп* стопан* стопни stop{,s,ping} выключ{и,ить,ите,ай}
        выруби{,ть,те} вырубай{,те} выключай{,те} погаси{,ть,те} загаси* потуши{,ть} туши
        гаси{,ть,те} гасни отключи{,те} shutdown
        shut_down halt
        kill{,s} убей{,те} убить прибей{,те} прибить тормозни* положи{,те,ть}
    """,
    C.FIX: """
        почин* чин{и,ить,ите} исправ* fix{,es,ed,ing} repair* восстанов* подлеч* лечи вылечи
        реанимир* оживи{,ть,те} наладь{,те} налад* поправь{,те} поправить разрули{,ть}
        resolve troubleshoot* recover* спаси{,те} пофикс* фиксан{и,ите,уть}
    """,
    C.DOWN: """
        упал{,а,о,и} упад* пада* лежит лежат лег легла легло слег* сломал* сломан* сдох*
        сдыхает умер{,ла,ло} помер* отвалил* отвал{,ился} крэш* краш* крашн* вылетел*
        вылета* завис* повис* недоступ* down dead died crash* broken fail{,ed,ing,s}
        unreachable unavailable unresponsive hung hanging stuck flapping глюч*
        не_работа* не_работ* не_отвеча* не_запуска* не_запуст* не_старту* не_стартан*
        не_поднима* не_подним* не_откры* не_грузит* не_живой не_жив не_запущен*
        not_work* not_respond* not_run* not_start* not_up not_active
        didnt_come_back did_not_come_back not_come_back never_came_back hasnt_come_back
        has_not_come_back wont_come_back не_поднялс{я,ь} не_поднял{ась,ись} не_вернул{ся,ась,ись}
    """,
    C.WHY: "почему отчего из-за_чего изза_чего причин* why cause{,s,d} reason{,s} root_cause зачем",
    C.SHOW: """
        покаж* показ* выведи{,те} вывести вывод* глян* гляд* посмотр* смотр* провер* чекни{,те}
        чекн* check* show* display* view* inspect* дай{,те} скажи{,те} подскаж* узна* tell
        get give выдай{,те} расскаж* найди{,те} найти поищи{,те} find search look глянуть
        посчитай сосчитай определи{,те} report_on
        пришлите скинь{,те} уточни{,те} scan{,s}
    """,
    C.LIST: "список* спис{ок,ка,ке,ку} list* перечисл* =ls перечень",
    C.FREE: """
        свободн* осталось остаток хватает кончил* кончает* законч* нехватк* не_хватает заполнен*
        забит{,ы,о,а} переполн* full
    """,
    C.FREE_EN: "free",
    C.LLM_TASK: """
        настро* установ* инсталл* постав{ь,ить,ьте} обнов* апдейт* апгрейд* update* upgrade*
        install* configur* config* конфиг* setup set_up deploy* деплой* депло{я,е,ю,ем}
        задеплой* выкат*
        раскат* rollout roll_out rollback roll_back откат* напиш* write созда* create* add
        добав* удал{и,ить,ите,яй,яйте,ение} снеси{,те} delete* remove* измен{и,ить,ите}
        поменя{й,ть,йте} change* replace* замен{и,ить,ите} перенес{и,ти} migrat* мигрир*
        миграц* оптимиз* optimi* tune тюн* ускор* speed_up разбер* разобра* investigat*
        выясн* find_out figure_out debug* дебаж* дебаг* analy* анализ* проанализ* исследу* сравни*
        compare* explain*
        объясни* почист* очист* clean* cleanup free_up освобод* расшир* resize* extend*
        mount* смонтир* монтир* бэкап* бекап* backup* back_up резервн* snapshot* снапшот*
        cron_job cronjob* расписани* schedule* =ssl =tls https сертификат* certificat*
        cert{,s} letsencrypt certbot gzip сжати* compress* кэш* кеш* cache* firewall*
        фаервол* файрвол* брандмауэр* iptables nftables пользовател* user{,s} юзер* парол*
        password* ключ{,и,а,ей} key{,s} прав{а,ами} permission* chmod chown домен* domain*
        =dns virtualhost vhost location proxy_pass прокси* proxy балансир* balanc* лимит*
        limit* квот* ротаци* rotat* logrotate алерт* alert* мониторинг* monitor* уведом*
        notif* exporter* prometheus grafana скрипт* script* код{,а,е} code тест{ы,ов} tests
        релиз* release* верси{я,ю,и,ей}
        version{,s} ветк* branch* =git commit* коммит* merge* пакет* package* =apt apt-get
        =pip =npm kernel ядр{о,а,е,ом} патч* пропатч* patch*
        медленн* slow* тормоз* тупит лаг{и,ает,ов} latency задержк* timeout*
        таймаут* утечк* утека* утекл* утёк утек leak* увелич* increase* уменьш* decrease*
        reduce сократ* автоматиз*
        automat* интегр* integrat* endpoint* эндпоинт* запрос{,ы,ов,ах} request{,s} query
        queries индекс* index* таблиц* table{,s} ежедневн*
        harden* secur* безопасн* аудит* audit{,s,ing} move перемест* реплик* replica*
        продли* продлен* renew* недел* месяц* week{,s} month{,s} ежечасн* daily hourly weekly
        nightly по_расписанию
        следи{,ть,те} watch наблюда*
        напомни* remind* сайт* site website dockerfile переменн* variable* чтобы чтоб
        автозапуск* автозагруз* autostart* enable disable при_загрузке on_boot дамп* dump*
        so_that in_order_to make_sure файл* file{,s} папк* директор* каталог* folder*
        director* ping* пинг* сет{ь,и} network* интернет* internet трафик* traffic
        bandwidth температур* temperature команд{у,ы,ой} command{,s} выполни{,ть,те}
        execute* sudo open_port close_port открой{,те} открыть закрой{,те} закрыть
        заблокируй* разблокируй* block unblock allow forward* проброс* кажд*_минут*
        кажд*_час* кажд*_день кажд*_дн* кажд*_недел* кажд*_ночь every_day every_hour
        every_minute every_night every_week every_morning
        раз_в_{час,день,сутки,неделю,минуту,месяц,полчаса} once_a_{day,week,month,hour} twice_a_day
    """,
    C.MULTI: """
        потом затем then afterwards после_этого после_чего after_that а_потом и_потом сначала
    """,
    C.GREETING: """
        привет* здравств* здаров* здорово здрасте =хай хаюшки салют =hi hello hey хелло хеллоу
        hola =ку =йо =yo добр{ый,ое,ого,ой}_{утро,утра,день,дня,вечер,вечера,ночи}
        good_{morning,evening,afternoon,day} greetings =sup
    """,
    C.THANKS: "спасибо спс спасибки пасиб* благодар* thanks thank thx =ty мерси сенкс сенк*",
    C.CHITCHAT: """
        как_тебя_зовут тебя_зовут кто_ты who_are_you your_name что_ты_умеешь что_умеешь
        умеешь what_can_you_do анекдот* шутк* шутить пошути* joke* погод* weather как_настроение
        настроени* люблю love скучн* bored =пока bye goodbye до_свидания увидимся see_you
        спокойной_ночи good_night о_себе about_yourself кто_тебя_создал who_made_you =бот
        =bot робот* robot* нейросет* проверка_связи провер*_связ* what_is_up
        чем_занят* как_спал* ты_крут* ты_лучш* ты_молодец молодец* умница красав* хотел{,а}_сказать
        you_rock you_are_great смысл_жизни meaning_of_life
        штурман* shturman
    """,
    C.ACK: """
        ладно понял{,а} понятно ясно угу ага =да =нет yes =no yep nope cool круто отлично супер
        got_it =лол =лол =lol помощь help хелп =тест =test sorry извини{,те} =ой oops забей
        не_туда_написал* не_туда не_тебе_написал* не_тебе_писал* не_тебе сорри сори ничего_не_надо
        ничего_не_нужно разобрал{ся,ась,ись} сам{,а}_разобрал* figured_it_out
        sorted_it_out wrong_chat wrong_window never_mind nevermind неважно
    """,
    C.LINES: "строк{,и,у,а} строчек строчк* lines line",
    C.LOCAL_WORD: """
        локальн* локально local locally localhost 127.0.0.1 здесь here эт{а,ой,у,ом}_машин*
        эт{от,ом,ого,ому}_сервер* эт{от,ом,ого}_хост* this_machine this_server this_host
        this_box на_себе у_себя текущ*_сервер* текущ*_машин* current_server current_machine
        на_этой_тачке на_этом_компе
    """,
    C.ALL_WORD: "все всех всем всеми вся каждый каждом каждому каждого каждой all every each",
    C.EVERYWHERE: "везде всюду повсюду everywhere fleet",
    C.BOTH_WORD: "обе оба обеих обоих обеим обоим обеими обоими both",
    C.DATABASE: "баз{а,у,ы,е,ой}_данн* =бд =бдшк* database{,s}",
    C.ORDINAL: """
        перв* втор* трет{ий,ья,ьей,ьем,ьему,ью,ьего,ьи,ье,ьим} четверт*
        пят{ый,ая,ой,ом,ую,ого,ое,ому} first second third fourth fifth 1st 2nd 3rd 4th 5th
    """,
    C.NEUTRAL: """
        использовани* использован* потреблени* usage current сейчас now right_now today сегодня
        вчера yesterday момент{,а} на_время обслуживани* maintenance
        минут* час{,а,ов} hour{,s} minute{,s} day{,s} дн{я,ей} ночью днём днем вечером
        полчаса прямо_сейчас пять десять пятнадцать двадцать тридцать сорок five ten fifteen
        twenty thirty forty
        сутк{и,у,ам} суток =гб =gb =mb =мб гиг* мегабайт* гигабайт* процент* percent* много сильно
        much many
        больше меньше more less last последн* recent свеж* хвост* если if сделай{,те} do
        проверку info информаци* инфо данные data детал* details подробн* текущ* current
        средн* average average_load total всего общ* used old older new newer previous stale
        стар{ый,ая,ую,ое,ой,ые,ых} нов{ый,ая,ую,ое,ой,ые,ых} прежн* сетев{ой,ые,ых,ая,ую,ом,ым}
    """,
}

STOPWORDS: frozenset[str] = frozenset(
    word
    for spec in words(
        "а и или но ну же ли не бы б то это этот эта эти этого этой этом этому эту там тут вот "
        "так уже еще пока у в во на с со к ко по о об обо от до из за для про при над под через "
        "без мне меня мой моя мое мои моих моем моей нам нас наш наша наше наши нашем нашей ты "
        "тебя тебе вы вас вам твой он она оно они его ее их ему ей им ним ней нем него нее "
        "пожалуйста пожалуйсто пжл пжлст пож плиз плз срочно быстро быстренько скорее можешь "
        "можете мог могла могли сможешь сможете нужно надо нужен нужна хочу хотел хотела хотелось "
        "давай давайте как какой какая какое какие каково каков какого каких каким сколько скока "
        "скоко сколко скоко что чё че шо чо чего чем где куда есть весь сейчас щас тоже также "
        "опять снова просто немного чуть очень слушай слушайте слышь эй бро братан друг дружище "
        "именем названием называется коллега шеф босс будь будьте добр добры любезен любезны "
        "asap побыстрее поскорее прошу просьба необходимо требуется следует желательно "
        "именно вообще себя был была было были будет можно я кто-то кого-то кому-то где-то как-то "
        "когда-то куда-то после "
        "тогда кстати какие-нибудь какой-нибудь какие-то что-нибудь что-то всю весь насколько "
        "короче типа вроде по-быстрому побыстрому утро утром кофе кофейку блин плс плиииз "
        "еще-раз ещё раз-то the a an is are was were be been "
        "being am do does did done on in at of for to from by with about into onto over under me "
        "my mine i you your we us our it its this that these those there please pls plz can could "
        "would will shall should may might must need needs want wanna gonna let lets just quickly "
        "quick right currently some any how what whats where and or but so also too again still "
        "yet kindly have has had sir mate bro dude guys not doing going only только убедись "
        "убедитесь ensure"
    )
    for word in expand(spec)
)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary[Concept]:
    return Vocabulary(
        (spec, concept)
        for concept, specs in WORDS.items()
        for spec in specs.split()
        if not spec.endswith("?")
    )

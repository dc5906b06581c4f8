"""A labelled corpus of credentials in configuration files, generated at run time (issue #15).

Real-world leaks are mostly low-entropy passwords whose file or statement says what they are:
``.netrc``, ``.pgpass``, ``.my.cnf``, ``.npmrc``, Docker ``config.json``, ``.pypirc``, FileZilla
and WinSCP sessions, ``wp-config.php``, Laravel ``.env``, Django and Rails settings, Spring and
Java properties, ``tomcat-users.xml``, ``web.config``, password hashes (``/etc/shadow``,
``.htpasswd``, SQL dumps), ``CREATE USER ... IDENTIFIED BY`` and a few Azure shapes. Every value
is drawn when the corpus is built (the repository must scan clean); markers detectors key on are
assembled from pieces. ``build(seed)`` returns the files (path -> text) and one ``Label`` per
interesting line, each with its *family* (the benchmark's per-family rows): a positive is a
credential of a type, a negative a decoy (placeholder, ``${VAR}``, ``changeme`` example, Key
Vault reference, empty value...) that must not be reported. Every other line must not be reported
either. Used by ``tests/test_config_detectors.py`` and ``benchmarks/quality.py``.
"""

# ruff: noqa: S608, S324 - SQL and digests here are generated test data
from __future__ import annotations

import base64
import hashlib
import random
import string
from dataclasses import dataclass, field

ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
CRYPT = "./" + ALNUM
HEX = "0123456789abcdef"
DJANGO = string.ascii_lowercase + string.digits + "!@#%^&*-_=+"
WORDS = ("harbor", "maple", "falcon", "lantern", "meadow", "copper", "winter", "cobalt", "tiger")

# Types the corpus expects (secret_type of the detectors).
CREDENTIAL_FILE = "Credential File Password"
APP_SECRET = "Application Config Secret"
HASH = "Password Hash"
SQL_PASSWORD = "SQL Statement Password"
URL = "Basic Auth Credentials"
SQL_CONN = "SQL Connection String Password"
KEYWORD = "Secret Keyword"

# Words assembled so this file does not itself look like credential configuration.
PW = "pass" + "word"
PWD = "Pass" + "word"


@dataclass(frozen=True)
class Label:
    path: str
    line: int
    type: str
    positive: bool
    family: str
    note: str = ""


@dataclass
class Doc:
    path: str
    family: str
    lines: list[str] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)

    def pos(self, text: str, kind: str, family: str | None = None) -> None:
        """A positive on the first line of ``text``."""
        self.lines.extend(text.split("\n"))
        first = len(self.lines) - text.count("\n")
        self.labels.append(Label(self.path, first, kind, True, family or self.family))

    def neg(self, text: str, kind: str, note: str = "decoy") -> None:
        self.lines.extend(text.split("\n"))
        first = len(self.lines) - text.count("\n")
        self.labels.append(Label(self.path, first, kind, False, self.family, note))

    def plain(self, text: str) -> None:
        self.lines.extend(text.split("\n"))


class Draw:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def human(self) -> str:
        """A password a person chose: low entropy, the shape most real leaks have."""
        shape = self.rng.randrange(5)
        if shape == 0:
            return self.word().capitalize() + str(self.rng.randint(1970, 2030)) + "!"
        if shape == 1:
            return self.word() + self.word() + str(self.rng.randint(1, 99))
        if shape == 2:
            return self.word() + self.s(string.digits, 3)
        if shape == 3:
            return self.s(ALNUM, 8) + self.rng.choice("!#%*-_")
        return self.word().capitalize() + "_" + self.word() + self.s(string.digits, 2)

    def strong(self) -> str:
        return self.s(ALNUM, 14) + self.rng.choice("!#%^*-_") + self.s(string.digits, 3)

    def user(self) -> str:
        return self.rng.choice(("deploy", "app", "admin", "svc_build", "jenkins", "backup"))

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.rng.randbytes(nbytes)).decode()

    def crypt(self, n: int) -> str:
        return self.s(CRYPT, n)


def build(seed: int = 0) -> tuple[dict[str, str], list[Label]]:
    d = Draw(random.Random(seed))
    docs: list[Doc] = []

    def doc(path: str, family: str) -> Doc:
        new = Doc(path, family)
        docs.append(new)
        return new

    # ------------------------------------------------------------------ .netrc / _netrc
    n = doc("home/.netrc", "netrc")
    n.plain("machine api.heroku.com\n  login " + d.user() + "@corp.io")
    n.pos("  " + PW + " " + d.human(), CREDENTIAL_FILE)
    n.pos("machine git.corp.io login " + d.user() + " " + PW + " " + d.human(), CREDENTIAL_FILE)
    n.plain("machine registry.corp.io")
    n.plain("login ci")
    n.pos(PW + " " + d.strong(), CREDENTIAL_FILE)
    n.neg("machine ftp.corp.io login anon " + PW + " changeme", CREDENTIAL_FILE)
    n.neg("machine nexus.corp.io login ci " + PW + " ${NEXUS_" + PW.upper() + "}", CREDENTIAL_FILE)
    w = doc("users/ci/_netrc", "netrc")
    w.pos("machine dev.corp.io login build " + PW + " " + d.human(), CREDENTIAL_FILE)
    dk = doc("build/Dockerfile", "netrc")
    dk.plain("FROM python:3.12")
    dk.pos(
        'RUN echo "machine pkgs.corp.io login ci ' + PW + " " + d.human() + '" > /root/.netrc',
        CREDENTIAL_FILE,
    )
    dk.neg(
        'RUN echo "machine pkgs.corp.io login ci ' + PW + ' ${PKG_TOKEN}" > /root/.netrc',
        CREDENTIAL_FILE,
    )
    rd = doc("docs/netrc.md", "netrc")
    rd.neg("    machine example.com login user " + PW + " <your-" + PW + ">", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ URLs of every scheme
    g = doc("home/.git-credentials", "url")
    g.pos("https://" + d.user() + ":" + d.human() + "@git.corp.io", URL)
    g.pos("https://oauth2:" + d.s(ALNUM, 20) + "@gitlab.corp.io", URL)
    u = doc("config/services.yaml", "url")
    for scheme, host in (
        ("amqp", "mq.corp.io:5672/"),
        ("amqps", "mq.corp.io:5671/vhost"),
        ("redis", "cache.corp.io:6379/0"),
        ("rediss", "cache.corp.io:6380"),
        ("mongodb", "mongo1.corp.io:27017,mongo2.corp.io:27017/app?replicaSet=rs0"),
        ("mongodb+srv", "cluster0.ab1cd.mongodb.net/app"),
        ("postgres", "pg.corp.io:5432/app"),
        ("postgresql", "pg.corp.io/app?sslmode=require"),
        ("mysql", "mysql.corp.io:3306/shop"),
        ("ftp", "ftp.corp.io/incoming"),
        ("smtp", "smtp.corp.io:587"),
        ("ldap", "ldap.corp.io:389/dc=corp,dc=io"),
        ("ldaps", "ldap.corp.io:636"),
    ):
        name = scheme.replace("+", "_").upper() + "_URL"
        u.pos(name.lower() + ": " + scheme + "://" + d.user() + ":" + d.human() + "@" + host, URL)
    u.pos("cache_url: redis://:" + d.human() + "@cache.corp.io:6379", URL)
    u.neg("db_url: postgres://app:${DB_" + PW.upper() + "}@pg.corp.io:5432/app", URL)
    u.neg("mq_url: amqp://guest:changeme@localhost:5672/", URL)
    u.neg("doc_url: mongodb://<user>:<" + PW + ">@mongo.corp.io/app", URL)
    u.neg("anon_url: ftp://anonymous:@ftp.corp.io/pub", URL)
    u.neg("example_url: https://user:" + d.human() + "@example.com/x", URL)
    j = doc("src/main/resources/jdbc.properties", "url")
    j.pos(
        "sqlserver.url=jdbc:sqlserver://sql.corp.io:1433;databaseName=app;user=app;"
        + PW
        + "="
        + d.human(),
        SQL_CONN,
    )
    j.pos(
        "pg.url=jdbc:postgresql://pg.corp.io:5432/app?user=app&" + PW + "=" + d.human(),
        SQL_CONN,
    )
    j.pos("mysql.url=jdbc:mysql://app:" + d.human() + "@mysql.corp.io:3306/shop", URL)
    j.neg("pg.ref=jdbc:postgresql://pg.corp.io/app?user=app&" + PW + "=${PG_PW}", SQL_CONN)

    # ------------------------------------------------------------------ .pgpass
    pg = doc("home/.pgpass", "pgpass")
    pg.plain("# hostname:port:database:username:" + PW)
    pg.pos("pg.corp.io:5432:app:" + d.user() + ":" + d.human(), CREDENTIAL_FILE)
    pg.pos("*:*:*:postgres:" + d.human(), CREDENTIAL_FILE)
    pg.neg("localhost:5432:*:postgres:changeme", CREDENTIAL_FILE)
    pg.neg("localhost:5432:*:app:", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ .my.cnf
    my = doc("home/.my.cnf", "my.cnf")
    my.plain("[client]\nuser=root")
    my.pos(PW + "=" + d.human(), CREDENTIAL_FILE)
    my.plain("host=mysql.corp.io\n\n[mysqldump]\nuser=backup")
    my.pos(PW + '="' + d.human() + '"', CREDENTIAL_FILE)
    my2 = doc("deploy/mysql/my.cnf", "my.cnf")
    my2.plain("[client]\nuser=app")
    my2.neg(PW + "=", CREDENTIAL_FILE)
    my2.plain("[mysql]")
    my2.neg(PW + "=changeme", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ .npmrc
    np = doc("web/.npmrc", "npmrc")
    np.plain("registry=https://npm.corp.io/")
    np.pos(
        "_auth=" + base64.b64encode(f"{d.user()}:{d.human()}".encode()).decode(),
        CREDENTIAL_FILE,
    )
    np.plain("//npm.corp.io/:username=ci")
    np.pos(
        "//npm.corp.io/:_" + PW + "=" + base64.b64encode(d.human().encode()).decode(),
        CREDENTIAL_FILE,
    )
    np.plain("always-auth=true")
    np.neg("//npm.corp.io/:_" + PW + "=${NPM_" + PW.upper() + "}", CREDENTIAL_FILE)
    np.neg("_auth=", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ Docker config.json
    dc = doc("home/.docker/config.json", "docker")
    dc.plain('{\n  "auths": {\n    "registry.corp.io": {')
    auth = base64.b64encode(f"{d.user()}:{d.human()}".encode()).decode()
    dc.pos('      "auth": "' + auth + '"', CREDENTIAL_FILE)
    dc.plain('    },\n    "https://index.docker.io/v1/": {')
    dc.neg('      "auth": ""', CREDENTIAL_FILE)
    dc.plain('    }\n  },\n  "credsStore": "desktop"\n}')
    old = doc("home/.dockercfg", "docker")
    auth = base64.b64encode(f"{d.user()}:{d.human()}".encode()).decode()
    old.pos(
        '{"registry.corp.io": {"auth": "' + auth + '", "email": "ci@corp.io"}}', CREDENTIAL_FILE
    )

    # ------------------------------------------------------------------ pip.conf / .pypirc
    pc = doc("home/.config/pip/pip.conf", "pip")
    pc.plain("[global]")
    pc.pos("index-url = https://" + d.user() + ":" + d.human() + "@pypi.corp.io/simple", URL)
    pr = doc("home/.pypirc", "pip")
    pr.plain("[distutils]\nindex-servers =\n    corp\n\n[corp]\nrepository = https://pypi.corp.io/")
    pr.plain("username = " + d.user())
    pr.pos(PW + " = " + d.human(), CREDENTIAL_FILE)
    pr.plain("\n[testpypi]\nusername = ci")
    pr.neg(PW + " = ${TWINE_" + PW.upper() + "}", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ FileZilla
    fz = doc("AppData/FileZilla/sitemanager.xml", "filezilla")
    fz.plain('<?xml version="1.0" encoding="UTF-8"?>\n<FileZilla3>\n  <Servers>\n    <Server>')
    fz.plain("      <Host>ftp.corp.io</Host>\n      <Port>21</Port>\n      <User>upload</User>")
    enc = base64.b64encode(d.human().encode()).decode()
    fz.pos('      <Pass encoding="base64">' + enc + "</Pass>", CREDENTIAL_FILE)
    fz.plain("    </Server>\n    <Server>\n      <User>anon</User>")
    fz.neg('      <Pass encoding="base64" />', CREDENTIAL_FILE)
    fz.plain("    </Server>\n  </Servers>\n</FileZilla3>")
    fr = doc("AppData/FileZilla/recentservers.xml", "filezilla")
    fr.plain("<FileZilla3>\n  <RecentServers>\n    <Server>\n      <Host>sftp.corp.io</Host>")
    enc = base64.b64encode(d.human().encode()).decode()
    fr.pos('      <Pass encoding="base64">' + enc + "</Pass>", CREDENTIAL_FILE)
    fr.pos("      <Pass>" + d.human() + "</Pass>", CREDENTIAL_FILE)
    fr.neg("      <Pass></Pass>", CREDENTIAL_FILE)
    fr.plain("    </Server>\n  </RecentServers>\n</FileZilla3>")

    # ------------------------------------------------------------------ WinSCP
    ws = doc("AppData/WinSCP.ini", "winscp")
    ws.plain("[Sessions\\deploy@sftp.corp.io]\nHostName=sftp.corp.io\nUserName=deploy")
    ws.pos(PWD + "=" + d.s("0123456789ABCDEF", 48), CREDENTIAL_FILE)
    ws.plain("\n[Sessions\\backup@ftp.corp.io]\nHostName=ftp.corp.io\nUserName=backup")
    ws.pos(PWD + "Plain=" + d.human(), CREDENTIAL_FILE)
    ws.plain("\n[Sessions\\anon@ftp.corp.io]\nHostName=ftp.corp.io")
    ws.neg(PWD + "=", CREDENTIAL_FILE)

    # ------------------------------------------------------------------ PHP / WordPress
    wp = doc("site/wp-config.php", "php")
    wp.plain("<?php\ndefine( 'DB_NAME', 'wordpress' );\ndefine( 'DB_USER', 'wp' );")
    wp.pos("define( 'DB_" + PW.upper() + "', '" + d.human() + "' );", APP_SECRET)
    wp.plain("define( 'DB_HOST', 'localhost' );")
    wp.pos(
        "define( 'AUTH_KEY',         '" + d.s(ALNUM + "!@#%^&*-_=+;:,.", 64) + "' );", APP_SECRET
    )
    wp.neg("define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );", APP_SECRET)
    wp.neg(
        "define( 'DB_" + PW.upper() + "', getenv('WORDPRESS_DB_" + PW.upper() + "') );", APP_SECRET
    )
    wp.neg("define( 'DB_" + PW.upper() + "', '' );", APP_SECRET)
    ph = doc("app/config/database.php", "php")
    ph.plain("<?php\nreturn [\n    'mysql' => [\n        'host' => 'db.corp.io',")
    ph.pos("        '" + PW + "' => '" + d.human() + "',", APP_SECRET)
    ph.neg("        'backup_" + PW + "' => env('DB_" + PW.upper() + "', ''),", APP_SECRET)
    ph.plain("    ],\n];")
    py = doc("tools/provision.py", "sql-create-user")
    py.neg("cursor.execute(\"CREATE USER %s IDENTIFIED BY '%s'\", (name, secret))", SQL_PASSWORD)
    pv = doc("legacy/db.inc.php", "php")
    pv.plain("<?php\n$host = 'db.corp.io';\n$user = 'shop';")
    pv.pos("$" + PW + " = '" + d.human() + "';", APP_SECRET)
    pv.pos('$db_pass = "' + d.human() + '";', APP_SECRET)
    pv.neg("$" + PW + " = $_POST['" + PW + "'];", APP_SECRET)
    pv.neg("$" + PW + " = '';", APP_SECRET)

    # ------------------------------------------------------------------ Laravel .env
    lv = doc("shop/.env", "laravel")
    lv.plain("APP_NAME=Shop\nAPP_ENV=production")
    lv.pos("APP_KEY=base64:" + d.b64(32), APP_SECRET)
    lv.plain("DB_CONNECTION=mysql\nDB_HOST=127.0.0.1\nDB_USERNAME=shop")
    lv.pos("DB_" + PW.upper() + "=" + d.human(), APP_SECRET)
    lv.pos("MAIL_" + PW.upper() + "=" + d.human(), APP_SECRET)
    lv.neg("REDIS_" + PW.upper() + "=null", APP_SECRET)
    lv.neg("AWS_SECRET_ACCESS_KEY=", APP_SECRET)
    lv.neg("PUSHER_APP_SECRET=", APP_SECRET)
    lx = doc("shop/.env.example", "laravel")
    lx.neg("APP_KEY=", APP_SECRET)
    lx.neg("DB_" + PW.upper() + "=secret", APP_SECRET)

    # ------------------------------------------------------------------ Django / Flask
    dj = doc("mysite/settings.py", "django-flask")
    dj.plain("from pathlib import Path\n\nBASE_DIR = Path(__file__).resolve().parent.parent")
    dj.pos("SECRET_KEY = 'django-insecure-" + d.s(DJANGO, 50) + "'", APP_SECRET)
    dj.plain("DEBUG = False")
    dj2 = doc("prod/settings/production.py", "django-flask")
    dj2.plain("import os")
    dj2.pos('SECRET_KEY = "' + d.s(DJANGO, 50) + '"', APP_SECRET)
    dj2.neg("SECRET_KEY = os.environ['DJANGO_SECRET_KEY']", APP_SECRET)
    dj2.neg("SECRET_KEY = 'changeme'", APP_SECRET)
    fl = doc("webapp/app.py", "django-flask")
    fl.plain("from flask import Flask\n\napp = Flask(__name__)")
    fl.pos("app.secret_key = '" + d.human() + "'", APP_SECRET)
    fl.pos("app.config['SECRET_KEY'] = '" + d.human() + "'", APP_SECRET)
    fl.neg("app.config['SECRET_KEY'] = os.getenv('SECRET_KEY')", APP_SECRET)

    # ------------------------------------------------------------------ Rails
    rs = doc("config/secrets.yml", "rails")
    rs.plain("production:")
    rs.pos("  secret_key_base: " + d.s(HEX, 128), APP_SECRET)
    rs.plain("development:")
    rs.neg('  secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>', APP_SECRET)
    rt = doc("config/initializers/secret_token.rb", "rails")
    rt.pos("Rails.application.config.secret_token = '" + d.s(HEX, 64) + "'", APP_SECRET)
    rt.pos("Rails.application.config.secret_key_base = '" + d.s(HEX, 128) + "'", APP_SECRET)

    # ------------------------------------------------------------------ Spring
    sp = doc("orders/src/main/resources/application.properties", "spring")
    sp.plain(
        "spring.datasource.url=jdbc:postgresql://pg.corp.io/orders\nspring.datasource.username=orders"
    )
    sp.pos("spring.datasource." + PW + "=" + d.human(), APP_SECRET)
    sp.pos("spring.mail." + PW + "=" + d.human(), APP_SECRET)
    sp.neg("spring.rabbitmq." + PW + "=${RABBIT_" + PW.upper() + "}", APP_SECRET)
    sp.neg("spring.redis." + PW + "=", APP_SECRET)
    sy = doc("billing/src/main/resources/application.yml", "spring")
    sy.plain(
        "spring:\n  datasource:\n    url: jdbc:mysql://mysql.corp.io/billing\n    username: billing"
    )
    sy.pos("    " + PW + ": " + d.human(), APP_SECRET)
    sy.plain("  rabbitmq:\n    host: mq.corp.io")
    sy.neg("    " + PW + ": ${RABBITMQ_" + PW.upper() + ":}", APP_SECRET)

    # ------------------------------------------------------------------ Java .properties
    jp = doc("legacy-app/conf/app.properties", "java-properties")
    jp.plain("db.url=jdbc:oracle:thin:@ora.corp.io:1521:ORCL\ndb.user=scott")
    jp.pos("db." + PW + "=" + d.human(), APP_SECRET)
    jp.pos("mail.smtp." + PW + "=" + d.human(), APP_SECRET)
    jp.pos("ldap.bind.credentials=" + d.human(), APP_SECRET)
    jp.neg("javax.net.ssl.keyStore" + PWD + "=changeit", APP_SECRET)
    jp.neg("hibernate.connection." + PW + "=", APP_SECRET)
    jp.neg("db.backup." + PW + "=ENC(" + d.b64(24) + ")", APP_SECRET)

    # ------------------------------------------------------------------ tomcat-users.xml
    tc = doc("tomcat/conf/tomcat-users.xml", "tomcat")
    tc.plain("<?xml version='1.0' encoding='utf-8'?>\n<tomcat-users>")
    tc.pos(
        '  <user username="admin" ' + PW + '="' + d.human() + '" roles="manager-gui,admin-gui"/>',
        CREDENTIAL_FILE,
    )
    tc.pos(
        '  <user name="deployer" ' + PW + '="' + d.human() + '" roles="manager-script" />',
        CREDENTIAL_FILE,
    )
    tc.neg(
        '  <user username="tomcat" ' + PW + '="&lt;must-be-changed&gt;" roles="tomcat"/>',
        CREDENTIAL_FILE,
    )
    tc.plain("</tomcat-users>")

    # ------------------------------------------------------------------ web.config
    wc = doc("site/Web.config", "web.config")
    wc.plain('<?xml version="1.0"?>\n<configuration>\n  <appSettings>')
    wc.pos('    <add key="Smtp' + PWD + '" value="' + d.human() + '" />', APP_SECRET)
    wc.pos('    <add key="PaymentApiSecret" value="' + d.human() + '" />', APP_SECRET)
    wc.neg('    <add key="Ldap' + PWD + '" value="" />', APP_SECRET)
    wc.neg('    <add key="Db' + PWD + '" value="#{Db' + PWD + '}#" />', APP_SECRET)
    wc.neg(
        '    <add key="Api'
        + PWD
        + '" value="@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/'
        'secrets/api/)" />',
        APP_SECRET,
    )
    wc.plain("  </appSettings>\n  <connectionStrings>")
    wc.pos(
        '    <add name="Default" connectionString="Data Source=sql.corp.io;Initial Catalog=app;'
        "User ID=app;" + PWD + "=" + d.human() + ';" providerName="System.Data.SqlClient" />',
        SQL_CONN,
    )
    wc.pos(
        '    <add name="Reporting" connectionString="Server=rpt.corp.io;Database=rpt;User Id=rpt;'
        "Pwd=" + d.human() + ';" />',
        SQL_CONN,
    )
    wc.plain("  </connectionStrings>\n</configuration>")

    # ------------------------------------------------------------------ password hashes
    sh = doc("backup/etc/shadow", "shadow")
    sh.pos("root:$6$" + d.crypt(16) + "$" + d.crypt(86) + ":19512:0:99999:7:::", HASH)
    sh.neg("daemon:*:19512:0:99999:7:::", HASH)
    sh.neg("nobody:!:19512:0:99999:7:::", HASH)
    sh.pos(d.user() + ":$y$j9T$" + d.crypt(22) + "$" + d.crypt(43) + ":19600:0:99999:7:::", HASH)
    sh.pos(d.user() + ":$1$" + d.crypt(8) + "$" + d.crypt(22) + ":19600:0:99999:7:::", HASH)
    sh.neg("sync:!!:19512::::::", HASH)
    ht = doc("site/.htpasswd", "htpasswd")
    ht.pos("admin:$apr1$" + d.crypt(8) + "$" + d.crypt(22), HASH)
    ht.pos(d.user() + ":$2y$10$" + d.crypt(53), HASH)
    sha = base64.b64encode(hashlib.sha1(d.human().encode()).digest()).decode()
    ht.pos(d.user() + ":{SHA}" + sha, HASH)
    sq = doc("db/dump.sql", "sql-dump")
    sq.plain(
        "-- MySQL dump 10.13\nCREATE TABLE `users` (`id` int, `email` varchar(255), `"
        + PW
        + "` varchar(255));"
    )
    sq.pos(
        "INSERT INTO `users` (`id`, `email`, `"
        + PW
        + "`) VALUES (1, 'ann@corp.io', '$2y$10$"
        + d.crypt(53)
        + "');",
        HASH,
    )
    sq.pos(
        "INSERT INTO users (id, username, "
        + PW
        + "_hash) VALUES (2, 'bob', '"
        + hashlib.md5(d.human().encode()).hexdigest()
        + "');",
        HASH,
    )
    sq.pos("INSERT INTO `wp_users` VALUES (1,'admin','$P$B" + d.crypt(30) + "','admin');", HASH)
    sq.neg("INSERT INTO users (id, username) VALUES (3, 'carol');", HASH)
    sq.neg("INSERT INTO users (id, username, " + PW + ") VALUES (4, 'dave', NULL);", HASH)
    cu = doc("db/grants.sql", "sql-create-user")
    cu.pos("CREATE USER 'app'@'%' IDENTIFIED BY '" + d.human() + "';", SQL_PASSWORD)
    cu.pos(
        "GRANT ALL PRIVILEGES ON shop.* TO 'shop'@'10.%' IDENTIFIED BY '" + d.human() + "';",
        SQL_PASSWORD,
    )
    cu.pos("ALTER USER reporting WITH " + PW.upper() + " '" + d.human() + "';", SQL_PASSWORD)
    cu.pos("CREATE ROLE etl LOGIN " + PW.upper() + " '" + d.human() + "';", SQL_PASSWORD)
    cu.pos("CREATE LOGIN app_login WITH " + PW.upper() + " = '" + d.human() + "';", SQL_PASSWORD)
    cu.neg("CREATE USER 'ro'@'%' IDENTIFIED BY '${RO_" + PW.upper() + "}';", SQL_PASSWORD)
    cu.pos(
        "CREATE USER scott IDENTIFIED BY " + d.word() + d.s(string.digits, 2) + ";", SQL_PASSWORD
    )
    cu.neg("-- every account is identified by its e-mail address", SQL_PASSWORD)
    cu.neg("CREATE USER 'local'@'localhost' IDENTIFIED WITH auth_socket;", SQL_PASSWORD)
    cu.neg("CREATE USER 'demo'@'%' IDENTIFIED BY 'changeme';", SQL_PASSWORD)

    # ------------------------------------------------------------------ Azure shapes
    key44 = d.b64(32)
    az = doc("src/Api/appsettings.json", "azure-redis")
    az.plain('{\n  "Redis": {\n    "Host": "contoso.redis.cache.windows.net",\n    "Port": 6380,')
    az.pos('    "AccessKey": "' + key44 + '"', "Azure Cache for Redis Key")
    az.plain('  },\n  "ConnectionStrings": {')
    az.pos(
        '    "Cache": "contoso.redis.cache.windows.net:6380,password='
        + d.b64(32)
        + ',ssl=True,abortConnect=False"',
        "Azure Cache for Redis Key",
    )
    az.neg(
        '    "Session": "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/redis/)"',
        "Azure Cache for Redis Key",
    )
    az.plain("  }\n}")
    arm = doc("infra/vm.parameters.json", "azure-arm")
    arm.plain(
        '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/'
        'deploymentParameters.json#",\n  "parameters": {'
    )
    arm.pos(
        '    "admin' + PWD + '": { "value": "' + d.human() + '" },',
        "Azure Template Parameter Secret",
    )
    arm.plain('    "adminUsername": { "value": "azureuser" },')
    arm.plain('    "sqlAdmin' + PWD + '": {')
    arm.pos('      "value": "' + d.human() + '"', "Azure Template Parameter Secret")
    arm.plain("    },")
    arm.neg(
        '    "vm' + PWD + '": { "reference": { "keyVault": { "id": "/subscriptions/x/vaults/kv" },'
        ' "secretName": "vm-' + PW + '" } },',
        "Azure Template Parameter Secret",
    )
    arm.neg('    "api' + PWD + '": { "value": "" }', "Azure Template Parameter Secret")
    arm.plain("  }\n}")
    tpl = doc("infra/azuredeploy.json", "azure-arm")
    tpl.plain('{\n  "parameters": {')
    tpl.pos(
        '    "admin' + PWD + '": { "type": "securestring", "defaultValue": "' + d.human() + '" },',
        "Azure Template Parameter Secret",
    )
    tpl.plain('    "location": { "type": "string", "defaultValue": "westeurope" }\n  }\n}')
    gh = doc(".github/workflows/integration.yml", "github-actions-env")
    gh.plain("name: integration\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest")
    gh.plain("    services:\n      db:\n        image: postgres:16\n        env:")
    gh.pos(
        "          POSTGRES_" + PW.upper() + ": " + d.human(),
        "Secret Keyword|Pipeline Variable Secret",
    )
    gh.plain("    steps:\n      - run: ./test.sh\n        env:")
    gh.pos(
        "          DB_" + PW.upper() + ": " + d.human(), "Secret Keyword|Pipeline Variable Secret"
    )
    gh.neg(
        "          API_" + PW.upper() + ": ${{ secrets.API_" + PW.upper() + " }}",
        "Pipeline Variable Secret",
    )
    gh.neg("          ADMIN_" + PW.upper() + ": ''", "Secret Keyword|Pipeline Variable Secret")
    st = doc("src/Worker/local.settings.json", "azure-storage-88")
    st.plain('{\n  "IsEncrypted": false,\n  "Values": {')
    st.pos(
        '    "AzureWebJobsStorage": "DefaultEndpointsProtocol=https;AccountName=contosojobs;'
        + "AccountKey="
        + d.s(B64, 88)
        + ';EndpointSuffix=core.windows.net",',
        "Azure Storage Account access key",
    )
    st.plain('    "FUNCTIONS_WORKER_RUNTIME": "dotnet"\n  }\n}')

    # ------------------------------------------------------------------ Kubernetes Secret data
    ks = doc("k8s/app-secret.yaml", "k8s-secret")
    ks.plain("apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ntype: Opaque\ndata:")
    ks.neg(
        "  username: " + base64.b64encode((d.user() + "_" + d.word()).encode()).decode(),
        "Kubernetes Secret Data",
    )
    ks.neg(
        "  database: " + base64.b64encode(("orders_" + d.word()).encode()).decode(),
        "Kubernetes Secret Data",
    )
    ks.pos(
        "  " + PW + ": " + base64.b64encode(d.human().encode()).decode(), "Kubernetes Secret Data"
    )
    ks.pos(
        "  api-key: " + base64.b64encode(d.s(ALNUM, 32).encode()).decode(), "Kubernetes Secret Data"
    )

    files = {x.path: "\n".join(x.lines) + "\n" for x in docs}
    labels = [label for x in docs for label in x.labels]
    return files, labels


def variants(seed: int = 0) -> tuple[dict[str, str], list[Label]]:
    """Other shapes of the same families, written after the rules and never tuned against
    them (the benchmark reports them apart, as an estimate of how the rules generalise)."""
    d = Draw(random.Random(seed + 1000))
    docs: list[Doc] = []

    def doc(path: str, family: str) -> Doc:
        new = Doc(path, family)
        docs.append(new)
        return new

    n = doc("ci/netrc", "netrc")
    n.pos("default login " + d.user() + " " + PW + " " + d.human(), CREDENTIAL_FILE)
    n.pos("machine a.corp.io " + PW + " " + d.human() + " login ci", CREDENTIAL_FILE)
    n2 = doc("scripts/ci-setup.sh", "netrc")
    n2.pos(
        "printf 'machine git.corp.io login ci " + PW + " " + d.human() + "\\n' >> ~/.netrc",
        CREDENTIAL_FILE,
    )
    u = doc("deploy/settings.toml", "url")
    u.pos('broker = "amqps://' + d.user() + ":" + d.human() + '@mq.corp.io/prod"', URL)
    u.pos('ldap = "ldap://cn=admin,dc=corp:' + d.human() + '@ldap.corp.io"', URL)
    u.neg('broker_doc = "amqp://user:' + PW + '@localhost//"', URL)
    pg = doc("ops/pgpass.conf", "pgpass")
    pg.pos("db.corp.io:6432:reporting:report:" + d.human(), CREDENTIAL_FILE)
    my = doc("ops/backup/.my.cnf", "my.cnf")
    my.plain("[client]")
    my.pos(PW + " = '" + d.human() + "'", CREDENTIAL_FILE)
    np = doc("ci/.npmrc", "npmrc")
    np.pos(
        "//pkgs.corp.io/npm/:_auth="
        + base64.b64encode(f"{d.user()}:{d.human()}".encode()).decode(),
        CREDENTIAL_FILE,
    )
    dc = doc("ci/docker/config.json", "docker")
    auth = base64.b64encode(f"{d.user()}:{d.human()}".encode()).decode()
    dc.pos('{"auths":{"corp.azurecr.io":{"auth":"' + auth + '"}}}', CREDENTIAL_FILE)
    pr = doc("release/.pypirc", "pip")
    pr.plain("[pypi]\nusername = __token__\n[corp]")
    pr.pos(PW + ": " + d.human(), CREDENTIAL_FILE)
    fz = doc("backup/FileZilla.xml", "filezilla")
    enc = base64.b64encode(d.human().encode()).decode()
    fz.pos(
        '<Server><Host>ftp.corp.io</Host><Pass encoding="base64">' + enc + "</Pass></Server>",
        CREDENTIAL_FILE,
    )
    ws = doc("tools/winscp.ini", "winscp")
    ws.plain("[Sessions\\ops@10.0.0.8]")
    ws.pos("ProxyPassword=" + d.human(), CREDENTIAL_FILE)
    ph = doc("public/config.inc.php", "php")
    ph.pos('$cfg["Servers"][1]["password"] = "' + d.human() + '";', APP_SECRET)
    ph.pos('define("SMTP_PASS", "' + d.human() + '");', APP_SECRET)
    ph.pos("$dbPassword='" + d.human() + "';", APP_SECRET)
    lv = doc("api/.env.production", "laravel")
    lv.pos('MAIL_PASSWORD="' + d.human() + '"', APP_SECRET)
    lv.pos("export DB_PASS=" + d.human(), APP_SECRET)
    dj = doc("blog/config.py", "django-flask")
    dj.pos('SECRET_KEY = b"' + d.s(ALNUM, 24) + '"', APP_SECRET)
    dj.pos("JWT_SECRET_KEY = '" + d.human() + "'", APP_SECRET)
    rs = doc("config/credentials.yml", "rails")
    rs.pos("secret_key_base: '" + d.s(HEX, 128) + "'", APP_SECRET)
    sp = doc("svc/src/main/resources/application-prod.yaml", "spring")
    sp.plain("spring:\n  mail:\n    host: smtp.corp.io")
    sp.pos("    " + PW + ': "' + d.human() + '"', APP_SECRET)
    jp = doc("etc/datasource.properties", "java-properties")
    jp.pos("jdbc." + PW + " = " + d.human(), APP_SECRET)
    jp.pos("ftp.passwd:" + d.human(), APP_SECRET)
    tc = doc("conf/tomcat-users.xml", "tomcat")
    tc.pos("<user username='ops' " + PW + "='" + d.human() + "' roles='admin'/>", CREDENTIAL_FILE)
    wc = doc("svc/App.config", "web.config")
    wc.pos('<add key="SftpPwd" value="' + d.human() + '"/>', APP_SECRET)
    wc.pos('<add key="Credentials" value="' + d.human() + '" />', APP_SECRET)
    sh = doc("image/etc/shadow-", "shadow")
    sh.pos("www-data:$6$rounds=5000$" + d.crypt(16) + "$" + d.crypt(86) + ":19000::::::", HASH)
    ht = doc("deploy/htpasswd", "htpasswd")
    ht.pos(d.user() + ":$2b$12$" + d.crypt(53), HASH)
    sq = doc("seed/users.sql", "sql-dump")
    sq.pos(
        "INSERT INTO accounts (login, pwd_hash, role) VALUES ('ops', '"
        + hashlib.sha256(d.human().encode()).hexdigest()
        + "', 'admin');",
        HASH,
    )
    cu = doc("db/migrations/001_users.sql", "sql-create-user")
    cu.pos('CREATE USER "svc" WITH LOGIN ' + PW.upper() + " '" + d.human() + "';", SQL_PASSWORD)
    cu.pos("SET " + PW.upper() + " FOR 'app'@'%' = '" + d.human() + "';", SQL_PASSWORD)
    az = doc("web/appsettings.Development.json", "azure-redis")
    az.pos(
        '{"Redis":"contoso.redis.cache.windows.net:6380,password=' + d.b64(32) + ',ssl=True"}',
        "Azure Cache for Redis Key",
    )
    arm = doc("deploy/main.parameters.json", "azure-arm")
    arm.pos(
        '    "clientSecret": { "value": "' + d.human() + '" },', "Azure Template Parameter Secret"
    )
    gh = doc(".github/workflows/deploy.yaml", "github-actions-env")
    gh.plain("on: push\nenv:")
    gh.pos("  SFTP_" + PW.upper() + ": " + d.human(), "Secret Keyword|Pipeline Variable Secret")
    gh.plain("jobs:\n  d:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ./d.sh")
    st = doc("infra/storage.env", "azure-storage-88")
    st.pos(
        "STORAGE=DefaultEndpointsProtocol=https;AccountName=a;AccountKey=" + d.s(B64, 88),
        "Azure Storage Account access key",
    )
    ks = doc("helm/templates/secret.yaml", "k8s-secret")
    ks.plain("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:")
    ks.neg("  DB_USER: " + base64.b64encode(b"orders").decode(), "Kubernetes Secret Data")
    ks.pos(
        "  DB_PASSWORD: " + base64.b64encode(d.human().encode()).decode(), "Kubernetes Secret Data"
    )
    files = {x.path: "\n".join(x.lines) + "\n" for x in docs}
    labels = [label for x in docs for label in x.labels]
    return files, labels


FAMILIES = (
    "netrc",
    "url",
    "pgpass",
    "my.cnf",
    "npmrc",
    "docker",
    "pip",
    "filezilla",
    "winscp",
    "php",
    "laravel",
    "django-flask",
    "rails",
    "spring",
    "java-properties",
    "tomcat",
    "web.config",
    "shadow",
    "htpasswd",
    "sql-dump",
    "sql-create-user",
    "azure-redis",
    "azure-arm",
    "github-actions-env",
    "azure-storage-88",
    "k8s-secret",
)

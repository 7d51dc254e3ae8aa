#include "media_ext.h"

#include <string.h>
#include <strings.h>

/* The types seen on the wire in mail and web traffic, with the extensions their usual files carry
 * (as /etc/mime.types has them). */
static const struct {
    const char *type, *ext;
} exts[] = {
    {"text/plain", ".txt"},
    {"text/html", ".html"},
    {"text/css", ".css"},
    {"text/csv", ".csv"},
    {"text/calendar", ".ics"},
    {"text/javascript", ".js"},
    {"text/xml", ".xml"},
    {"text/markdown", ".md"},
    {"application/javascript", ".js"},
    {"application/x-javascript", ".js"},
    {"application/json", ".json"},
    {"application/ld+json", ".jsonld"},
    {"application/xml", ".xml"},
    {"application/xhtml+xml", ".xhtml"},
    {"application/rss+xml", ".rss"},
    {"application/atom+xml", ".atom"},
    {"application/pdf", ".pdf"},
    {"application/zip", ".zip"},
    {"application/gzip", ".gz"},
    {"application/x-gzip", ".gz"},
    {"application/x-tar", ".tar"},
    {"application/x-bzip2", ".bz2"},
    {"application/x-xz", ".xz"},
    {"application/x-7z-compressed", ".7z"},
    {"application/vnd.rar", ".rar"},
    {"application/x-bittorrent", ".torrent"},
    {"application/msword", ".doc"},
    {"application/vnd.ms-excel", ".xls"},
    {"application/vnd.ms-powerpoint", ".ppt"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ".xlsx"},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"},
    {"application/vnd.debian.binary-package", ".deb"},
    {"application/x-debian-package", ".deb"},
    {"application/java-archive", ".jar"},
    {"application/x-msdownload", ".exe"},
    {"application/x-sh", ".sh"},
    {"application/wasm", ".wasm"},
    {"application/pkcs7-signature", ".p7s"},
    {"application/pgp-signature", ".asc"},
    {"application/ocsp-response", ".ocsp"},
    {"application/pkix-cert", ".cer"},
    {"application/x-x509-ca-cert", ".crt"},
    {"application/octet-stream", ".bin"},
    {"image/png", ".png"},
    {"image/jpeg", ".jpg"},
    {"image/gif", ".gif"},
    {"image/webp", ".webp"},
    {"image/svg+xml", ".svg"},
    {"image/x-icon", ".ico"},
    {"image/vnd.microsoft.icon", ".ico"},
    {"image/bmp", ".bmp"},
    {"image/tiff", ".tiff"},
    {"image/avif", ".avif"},
    {"audio/mpeg", ".mp3"},
    {"audio/ogg", ".ogg"},
    {"audio/wav", ".wav"},
    {"video/mp4", ".mp4"},
    {"video/webm", ".webm"},
    {"video/mpeg", ".mpeg"},
    {"font/woff", ".woff"},
    {"font/woff2", ".woff2"},
    {"font/ttf", ".ttf"},
    {"font/otf", ".otf"},
    {"message/rfc822", ".eml"},
    {"message/delivery-status", ".txt"},
    {"multipart/mixed", ".mime"},
};

const char *media_ext(const char *ct, size_t n)
{
    if (!ct)
        return NULL;
    size_t a = 0;
    while (a < n && (ct[a] == ' ' || ct[a] == '\t'))
        a++;
    size_t b = a;
    while (b < n && ct[b] != ';' && ct[b] != ' ' && ct[b] != '\t')
        b++;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (strlen(exts[i].type) == b - a && strncasecmp(ct + a, exts[i].type, b - a) == 0)
            return exts[i].ext;
    return NULL;
}

void media_ext_name(char *name, size_t cap, const char *ct, size_t n)
{
    const char *last = strrchr(name, '/');
    last = last ? last + 1 : name;
    const char *dot = strrchr(last, '.');
    if (dot && dot != last) /* ".profile" has no extension; "a.txt" has */
        return;
    const char *ext = media_ext(ct, n);
    size_t len = strlen(name);
    if (ext && len + strlen(ext) < cap)
        memcpy(name + len, ext, strlen(ext) + 1);
}

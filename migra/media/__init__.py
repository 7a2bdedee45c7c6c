"""Media helpers shared by the apps that take files from people: sniffing a file's real
type (`migra.media.sniff`), reading an upload up to a limit (`migra.media.uploads`) and
turning an uploaded photo into clean, metadata-free web and thumbnail renditions
(`migra.media.photos`). Pure helpers, no models: each app keeps its own rows and
decides who may see the files. See docs/media.md."""

"""What every audience stands on and none of them owns: settings, the language registry and catalogs,
security headers, the database and its models, encryption, static assets, the page cache, error pages
and the article's structure. Nothing here imports an audience package."""

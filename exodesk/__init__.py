"""exodesk: a desktop reference manager that follows a review article and its citing papers."""

__version__ = "0.1.0"

#: One reverse-DNS application id for the .desktop file, AppStream metainfo,
#: icon name and QGuiApplication.setDesktopFileName.
APP_ID = "io.github.exodesk.Exodesk"
APP_NAME = "exodesk"

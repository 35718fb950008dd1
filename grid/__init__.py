"""Where and who. `grid.locate(lon, lat)` places a point in its cell, village, township and county."""


def locate(lon, lat):
    from .location import locate as _locate

    return _locate(lon, lat)

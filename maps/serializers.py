"""Features of the map layers. The geometry is `map_geometry`, drawn by layers.draw for the zoom;
the feature id is the region's or cell's code (stable across databases and imports)."""

from drf_spectacular.contrib.rest_framework_gis import build_geo_container_schema, build_polygon_schema
from drf_spectacular.plumbing import build_array_type
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from grid.models import GridCell, Region


@extend_schema_field(build_geo_container_schema("MultiPolygon", build_array_type(build_polygon_schema())))
class MapGeometryField(GeometryField):
    """The boundary as layers.draw made it for the zoom: always a valid MultiPolygon."""

    def __init__(self, **kwargs):
        super().__init__(source="map_geometry", read_only=True, **kwargs)


class RegionFeatureSerializer(GeoFeatureModelSerializer):
    """A region's boundary, with what a map needs to label it and go up or down a level."""

    id = serializers.CharField(source="code", read_only=True)
    boundary = MapGeometryField()
    parent_code = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = Region
        geo_field = "boundary"
        fields = ["id", "code", "name", "level", "parent_code", "boundary"]


class CellFeatureSerializer(GeoFeatureModelSerializer):
    """A grid cell's boundary, its village, and the people who patrol it."""

    id = serializers.CharField(source="code", read_only=True)
    boundary = MapGeometryField()
    village_code = serializers.CharField(read_only=True)
    village_name = serializers.CharField(read_only=True)
    gridworkers = serializers.SerializerMethodField()
    volunteers = serializers.SerializerMethodField()
    mine = serializers.SerializerMethodField()

    class Meta:
        model = GridCell
        geo_field = "boundary"
        fields = [
            "id",
            "code",
            "name",
            "kind",
            "households",
            "village_code",
            "village_name",
            "gridworkers",
            "volunteers",
            "mine",
            "boundary",
        ]

    # The cells come from layers.MapCells.with_people(), which attaches these.
    def get_gridworkers(self, cell) -> list[str]:
        return cell.gridworkers

    def get_volunteers(self, cell) -> list[str]:
        return cell.volunteers

    def get_mine(self, cell) -> bool:
        """Whether the requesting user is assigned to the cell."""
        return self.context["request"].user.pk in cell.people

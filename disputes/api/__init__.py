"""The REST API of disputes: thin views over `disputes.intake` and `disputes.workflow`.

Views check the shape of what comes in (serializers) and who can see what (querysets start
from `Case.objects.visible_to`); every rule about what may happen lives in the services.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from fintech.api.serializers import WhoAmISerializer
from fintech.models import ApiClient, Customer


class WhoAmIView(APIView):
    """The identity the API sees: the client, its user, and the customer it acts for."""

    @extend_schema(responses=WhoAmISerializer, summary="Who am I")
    def get(self, request):
        customer = Customer.objects.filter(user=request.user).first()
        client = request.auth if isinstance(request.auth, ApiClient) else None
        data = {
            "username": request.user.get_username(),
            "is_staff": request.user.is_staff,
            "client": client.name if client else None,
            "customer": customer,
        }
        return Response(WhoAmISerializer(data).data)
